import SculptGraph
import SculptKernels

extension Operators {
    static func transpose(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let perm = f.node.ints("perm") ?? Array((0..<shape.count).reversed())
        let strides = StridedCopy.contiguousStrides(shape)
        let copy = StridedCopy(shape: perm.map { shape[$0] }, sourceStrides: perm.map { strides[$0] })
        return try copySteps([(copy, x)], f, c)
    }

    /// Each input lands in its slab of the output.
    static func concat(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let outShape = c.shape(f.output)
        let axis = try c.shaped.axis(f.node, default: 0, rank: outShape.count)
        let outStrides = StridedCopy.contiguousStrides(outShape)
        var offset = 0
        var copies = [(StridedCopy, String)]()
        for name in f.node.inputs where !name.isEmpty {
            let shape = c.shape(name)
            copies.append((StridedCopy(shape: shape, sourceStrides: StridedCopy.contiguousStrides(shape),
                                       destinationStrides: outStrides, destinationOffset: offset * outStrides[axis]), name))
            offset += shape[axis]
        }
        return try copySteps(copies, f, c)
    }

    static func split(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let axis = try c.shaped.axis(f.node, default: 0, rank: shape.count)
        let strides = StridedCopy.contiguousStrides(shape)
        let sizes = try c.shaped.splitSizes(f.node, length: shape[axis])
        let input = try c.pointer(x)
        var offset = 0
        var steps = [(StridedCopy, UnsafeMutablePointer<Float>)]()
        for (name, size) in zip(f.node.outputs, sizes) {
            defer { offset += size }
            guard !name.isEmpty, let output = c.buffers[name] else { continue }
            var part = shape
            part[axis] = size
            steps.append((StridedCopy(shape: part, sourceStrides: strides, sourceOffset: offset * strides[axis]), output))
        }
        return { for (copy, output) in steps { copy.run(from: input, to: output) } }
    }

    static func slice(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let range = try c.shaped.sliceRange(f.node)
        let strides = StridedCopy.contiguousStrides(shape)
        let copy = StridedCopy(shape: range.outputShape, sourceStrides: zip(range.steps, strides).map(*),
                               sourceOffset: zip(range.starts, strides).map(*).reduce(0, +))
        return try copySteps([(copy, x)], f, c)
    }

    /// Gather with constant indices: one slab copy per index.
    static func gather(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let axis = try c.shaped.axis(f.node, default: 0, rank: shape.count)
        let indices = try c.shaped.integers(f.node, input: 1, what: "indices")
        guard indices.allSatisfy({ $0 >= -shape[axis] && $0 < shape[axis] }) else {
            throw f.error("an index is out of range for axis \(axis) of \(shape)")
        }
        let strides = StridedCopy.contiguousStrides(shape)
        var part = shape
        part[axis] = 1
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        let copies = indices.enumerated().map { position, index in
            // Slab `index` of the input goes to position `position` among the gathered ones.
            StridedCopy(shape: [outer, inner], sourceStrides: [axis == 0 ? 0 : strides[axis - 1], 1],
                        sourceOffset: (index < 0 ? index + shape[axis] : index) * strides[axis],
                        destinationStrides: [indices.count * inner, 1], destinationOffset: position * inner)
        }
        return try copySteps(copies.map { ($0, x) }, f, c)
    }

    static func expand(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), outShape = c.shape(f.output)
        let copy = StridedCopy(shape: outShape, sourceStrides: Broadcast.strides(of: c.shape(x), in: outShape))
        return try copySteps([(copy, x)], f, c)
    }

    /// Pad in constant mode: the output is filled with the value, then the (possibly cropped)
    /// input is copied into place.
    static func pad(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let mode = f.node.string("mode") ?? "constant"
        guard mode == "constant" else { throw f.error("mode '\(mode)' is not supported (only 'constant')") }
        let x = try f.input(0), shape = c.shape(x), outShape = c.shape(f.output)
        let (begin, end) = try c.shaped.padding(f.node)
        let value = f.node.float("value") ?? c.constant(f.node.input(2))?.first ?? 0
        if let name = f.node.input(2), c.constant(name) == nil { throw f.error("the padding value must be a constant") }
        let inStrides = StridedCopy.contiguousStrides(shape), outStrides = StridedCopy.contiguousStrides(outShape)
        var kept = shape, sourceOffset = 0, destinationOffset = 0
        for axis in shape.indices {
            kept[axis] = max(0, shape[axis] + min(0, begin[axis]) + min(0, end[axis]))
            sourceOffset += max(0, -begin[axis]) * inStrides[axis]
            destinationOffset += max(0, begin[axis]) * outStrides[axis]
        }
        let copy = StridedCopy(shape: kept, sourceStrides: inStrides, sourceOffset: sourceOffset,
                               destinationStrides: outStrides, destinationOffset: destinationOffset)
        let input = try c.pointer(x), output = try c.pointer(f.output), count = outShape.reduce(1, *)
        return {
            output.update(repeating: value, count: count)
            copy.run(from: input, to: output)
        }
    }

    /// A step that runs `copies`, each from its source tensor into the node's output.
    private static func copySteps(_ copies: [(StridedCopy, String)], _ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let output = try c.pointer(f.output)
        let bound = try copies.map { ($0.0, UnsafePointer(try c.pointer($0.1))) }
        return { for (copy, source) in bound { copy.run(from: source, to: output) } }
    }

    /// A conversion between the planar and blocked layouts (a 4-D tensor).
    static func reorder(from: String, to: String, layout: TensorLayout, _ c: PlanContext) throws -> () -> Void {
        let shape = c.shape(from), source = try c.pointer(from), destination = try c.pointer(to), pool = c.pool
        let (batch, channels, plane) = (shape[0], shape[1], shape[2] * shape[3])
        return { ChannelBlocks.convert(source, into: destination, to: layout, batch: batch, channels: channels, plane: plane, pool: pool) }
    }
}
