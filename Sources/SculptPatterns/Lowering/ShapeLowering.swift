import SculptGraph
import SculptKernels
import SculptRuntime

extension GraphLowering {
    /// Replaces the shape-pattern convolution `node` by one dense convolution per filter shape (a
    /// 2x3 kernel with shifted pads, …) and a Concat of their outputs; removed filters are gone.
    ///
    /// The Concat groups filters by shape, so the output's channels come in a new order. When every
    /// reader can absorb that order it travels on (`channels`); otherwise a Gather restores the
    /// original order right after the Concat, and removed filters come back as copies of one zero
    /// channel that a Pad appends (not a zero filter in a convolution: that would break the channel
    /// counts the engine's blocked layouts want).
    mutating func lowerShape(_ node: Node, _ mask: LayerMask) throws {
        let weight = try constant(node.inputs[1], of: node)
        let filters = weight.shape.first ?? 0, inputs = filters > 0 ? mask.keep.count / (filters * 9) : 0
        guard weight.shape.count == 4, weight.shape[2] == 3, weight.shape[3] == 3, inputs > 0, mask.keep.count == filters * inputs * 9,
              let input = shapes[node.inputs[0]] else {
            throw failure(node, "shape patterns lower 3x3 convolutions whose mask matches their weight")
        }
        let conv = try ConvolutionShape(node: node, input: input, weight: [filters, inputs, 3, 3])
        let removed = Set(mask.removedOutputs)
        var byShape = [FilterShape: [Int]]()
        for f in 0..<filters where !removed.contains(f) {
            let kernels = (0..<inputs).map { c in mask.keep[((f * inputs + c) * 9)..<((f * inputs + c) * 9 + 9)] }
            guard let shape = FilterShape(taps: kernels[0]), kernels.allSatisfy({ $0.elementsEqual(kernels[0]) }),
                  shape.pads(in: conv) != nil else {
                throw failure(node, "the mask of filter \(f) is not a row/column shape that this convolution's pads can express")
            }
            byShape[shape, default: []].append(f)
        }
        let groups = FilterShape.all.compactMap { shape in byShape[shape].map { (shape: shape, filters: $0) } }
        guard !groups.isEmpty else { throw failure(node, "its mask removes every filter") }

        let output = node.outputs[0]
        let restore = !absorbable(output, removed: removed)
        let padded = restore && !removed.isEmpty
        // The original filter at each output channel of the Concat; nil for the zero channel.
        let order: [Int?] = groups.flatMap { $0.filters.map(Optional.some) } + (padded ? [nil] : [])
        let restored = (0..<filters).map { f in order.firstIndex(of: f) ?? order.firstIndex(of: nil)! }
        let gather = restore && restored != Array(order.indices)
        var concatenated = gather ? fresh(output + "/shapes") : output

        let bias = try node.input(2).map { try constant($0, of: node) }
        var parts = [String]()
        let single = groups.count == 1
        func emit(_ shape: FilterShape, weight w: Tensor, bias b: Tensor?, label: String) {
            let part = single ? concatenated : fresh("\(output)/\(label)")
            let attributes = node.attributes.filter { !["kernel_shape", "pads", "auto_pad"].contains($0.name) }
                + [Attribute("kernel_shape", .ints([shape.rows.count, shape.columns.count])), Attribute("pads", .ints(shape.pads(in: conv)!))]
            emitted.append(Node(name: fresh("\(node.name)/\(label)"), opType: "Conv",
                                inputs: [node.inputs[0], store(w, as: "\(node.inputs[1]).\(label)")] + (b.map { [store($0, as: "\(node.inputs[2]).\(label)")] } ?? []),
                                outputs: [part], attributes: attributes))
            parts.append(part)
        }
        for group in groups {
            emit(group.shape, weight: weight.gathered(axis: 0, group.filters).cropped(to: group.shape), bias: bias?.gathered(axis: 0, group.filters),
                 label: "\(group.shape.rows.count)x\(group.shape.columns.count)r\(group.shape.rows.lowerBound)c\(group.shape.columns.lowerBound)")
        }
        if parts.count > 1 {
            emitted.append(Node(name: fresh("\(node.name)/concat"), opType: "Concat", inputs: parts, outputs: [concatenated],
                                attributes: [Attribute("axis", .int(1))]))
        }
        if padded {
            // One zero channel after the last: pads [begin of each axis, end of each axis] of N, C, H, W.
            let pads = [0, 0, 0, 0, 0, 1, 0, 0]
            let source = concatenated
            concatenated = fresh(output + "/padded")
            let attributes: [Attribute] = opset < 11 ? [Attribute("pads", .ints(pads))] : []
            let inputs = opset < 11 ? [source] : [source, store(Tensor(shape: [8], integers: pads.map(Int64.init)), as: "\(output).zero")]
            emitted.append(Node(name: fresh("\(node.name)/zero"), opType: "Pad", inputs: inputs, outputs: [concatenated], attributes: attributes))
        }
        if gather {
            let indices = store(Tensor(shape: [filters], integers: restored.map(Int64.init)), as: "\(output).order")
            emitted.append(Node(name: fresh("\(node.name)/restore"), opType: "Gather", inputs: [concatenated, indices], outputs: [output],
                                attributes: [Attribute("axis", .int(1))]))
        } else if !restore, order.map({ $0! }) != Array(0..<filters) {
            channels[output] = order.map { $0! }
        }
    }
}
