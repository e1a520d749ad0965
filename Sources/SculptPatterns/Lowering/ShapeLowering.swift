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
    /// filter added to the cheapest convolution.
    mutating func lowerShape(_ node: Node, _ mask: LayerMask) throws {
        let weight = try constant(node.inputs[1], of: node)
        let filters = weight.shape[0], inputs = mask.keep.count / (filters * 9)
        guard weight.shape.count == 4, weight.shape[2] == 3, weight.shape[3] == 3, mask.keep.count == filters * inputs * 9,
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
        let zeroGroup = restore && !removed.isEmpty ? groups.indices.min { groups[$0].shape.taps < groups[$1].shape.taps } : nil
        // The original filter at each output channel of the Concat; nil for the zero filter.
        let order: [Int?] = groups.indices.flatMap { i in groups[i].filters.map(Optional.some) + (i == zeroGroup ? [nil] : []) }
        let restored = (0..<filters).map { f in order.firstIndex(of: f) ?? order.firstIndex(of: nil)! }
        let gather = restore && restored != Array(order.indices)
        let concatenated = gather ? fresh(output + "/shapes") : output

        let bias = try node.input(2).map { try constant($0, of: node) }
        var parts = [String]()
        for (i, group) in groups.enumerated() {
            var w = weight.gathered(axis: 0, group.filters).cropped(to: group.shape)
            var b = bias?.gathered(axis: 0, group.filters)
            if i == zeroGroup {
                w = Tensor(shape: [w.shape[0] + 1] + w.shape.dropFirst(), floats: w.floats! + [Float](repeating: 0, count: w.count / w.shape[0]))
                b = b.map { Tensor(shape: [$0.count + 1], floats: $0.floats! + [0]) }
            }
            let label = "\(group.shape.rows.count)x\(group.shape.columns.count)r\(group.shape.rows.lowerBound)c\(group.shape.columns.lowerBound)"
            let part = groups.count == 1 ? concatenated : fresh("\(output)/\(label)")
            let attributes = node.attributes.filter { !["kernel_shape", "pads", "auto_pad"].contains($0.name) }
                + [Attribute("kernel_shape", .ints([group.shape.rows.count, group.shape.columns.count])),
                   Attribute("pads", .ints(group.shape.pads(in: conv)!))]
            emitted.append(Node(name: fresh("\(node.name)/\(label)"), opType: "Conv",
                                inputs: [node.inputs[0], store(w, as: "\(node.inputs[1]).\(label)")] + (b.map { [store($0, as: "\(node.inputs[2]).\(label)")] } ?? []),
                                outputs: [part], attributes: attributes))
            parts.append(part)
        }
        if parts.count > 1 {
            emitted.append(Node(name: fresh("\(node.name)/concat"), opType: "Concat", inputs: parts, outputs: [concatenated],
                                attributes: [Attribute("axis", .int(1))]))
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
