import SculptGraph
import SculptKernels

extension Operators {
    /// Relu, Clip, Sigmoid… that nothing fused: one vector pass.
    static func unary(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        guard let activation = Activation(node: f.node, tensors: c.tensors) else {
            throw f.error("its bounds must be constants")
        }
        let x = try f.input(0)
        let count = c.shape(x).reduce(1, *)
        let input = try c.pointer(x), output = try c.pointer(f.output)
        let pool = c.pool
        let chunks = max(1, min(pool.threadCount, count / 4096))
        return {
            pool.parallelFor(chunks) { part in
                let lo = part * count / chunks, hi = (part + 1) * count / chunks
                activation.apply(input + lo, to: output + lo, count: hi - lo)
            }
        }
    }

    /// Add, Sub, Mul, Div, Pow, Max, Min with broadcasting.
    static func binary(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        guard f.node.inputs.count == 2, let op = binaryOperators[f.node.opType] else {
            throw f.error("takes exactly two inputs here")
        }
        let a = try f.input(0), b = try f.input(1)
        let kernel = BroadcastBinary(op: op, aShape: c.shape(a), bShape: c.shape(b), outputShape: c.shape(f.output),
                                     activation: f.activation)
        let left = try c.pointer(a), right = try c.pointer(b), output = try c.pointer(f.output)
        let pool = c.pool
        return { kernel.run(left, right, output, pool: pool) }
    }
}
