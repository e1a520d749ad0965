import SculptGraph
import SculptKernels

extension Operators {
    static func layerNormalization(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let statistics = f.node.outputs.dropFirst().map { c.buffers[$0] }
        let axis = try c.shaped.axis(f.node, default: -1, rank: shape.count)
        let normalized = Array(shape[axis...])
        let size = normalized.reduce(1, *), rows = shape.count == 0 ? 1 : shape[..<axis].reduce(1, *)
        /// Scale and bias broadcast to the normalized shape (constants, or copied each run).
        func expanded(_ name: String?) throws -> UnsafePointer<Float>? {
            guard let name else { return nil }
            let copy = StridedCopy(shape: normalized, sourceStrides: Broadcast.strides(of: c.shape(name), in: normalized))
            let staging = c.allocate(size)
            if let values = c.constant(name) {
                values.withUnsafeBufferPointer { copy.run(from: $0.baseAddress!, to: staging) }
                return UnsafePointer(staging)
            }
            throw f.error("the scale and bias must be constants")
        }
        let scale = try expanded(try f.input(1))!, bias = try expanded(f.node.input(2))
        let kernel = LayerNormalization(rows: rows, size: size, epsilon: f.node.float("epsilon") ?? 1e-5)
        let input = try c.pointer(x), output = try c.pointer(f.output), pool = c.pool
        let mean = statistics.first ?? nil, inverseDeviation = statistics.dropFirst().first ?? nil
        return {
            kernel.run(input: input, scale: scale, bias: bias, output: output, mean: mean, inverseDeviation: inverseDeviation,
                       pool: pool)
        }
    }

    /// Softmax along one axis (opset 13+), or over all axes from `axis` on (earlier opsets).
    static func softmax(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let axis = try c.shaped.axis(f.node, default: c.opset >= 13 ? -1 : 1, rank: shape.count)
        let outer = shape[..<axis].reduce(1, *)
        let kernel = c.opset >= 13
            ? Softmax(outer: outer, size: shape[axis], inner: shape[(axis + 1)...].reduce(1, *))
            : Softmax(outer: outer, size: shape[axis...].reduce(1, *), inner: 1)
        let input = try c.pointer(x), output = try c.pointer(f.output), pool = c.pool
        return { kernel.run(input: input, output: output, pool: pool) }
    }
}
