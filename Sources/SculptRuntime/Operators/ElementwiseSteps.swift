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

    /// Add, Sub, Mul, Div, Pow with broadcasting; Max and Min over any number of inputs, folded
    /// left to right into the output.
    static func binary(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let op = binaryOperators[f.node.opType]!
        let operands = f.node.inputs.filter { !$0.isEmpty }
        guard operands.count == 2 || ((op == .maximum || op == .minimum) && !operands.isEmpty) else {
            throw f.error("takes two inputs")
        }
        let outShape = c.shape(f.output), output = try c.pointer(f.output), pool = c.pool
        let first = try c.pointer(operands[0])
        // A single operand is broadcast into the output (max of one tensor is itself).
        let start = operands.count == 1
            ? StridedCopy(shape: outShape, sourceStrides: Broadcast.strides(of: c.shape(operands[0]), in: outShape)) : nil
        let steps = try operands.dropFirst().enumerated().map { index, name in
            (BroadcastBinary(op: op, aShape: index == 0 ? c.shape(operands[0]) : outShape, bShape: c.shape(name),
                             outputShape: outShape, activation: index == operands.count - 2 ? f.activation : .identity),
             UnsafePointer(try c.pointer(name)))
        }
        return {
            start?.run(from: first, to: output)
            for (index, step) in steps.enumerated() {
                step.0.run(index == 0 ? UnsafePointer(first) : UnsafePointer(output), step.1, output, pool: pool)
            }
        }
    }
}
