import SculptGraph
import SculptKernels

extension Operators {
    /// Relu, Clip, Sigmoid… that nothing fused: one vector pass.
    static func unary(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        guard let activation = Activation(node: f.node, tensors: c.tensors) else {
            throw f.error("its bounds must be constants")
        }
        let x = try f.input(0)
        // Element by element, so the layout does not matter: a blocked tensor's padded lanes included.
        let count = c.floats(x)
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
        let output = try c.pointer(f.output), pool = c.pool
        // Blocked operands broadcast as [N, C/16, H, W, 16]; per-channel constants are blocked to match.
        let blocked = c.layout(f.output) == .blocked
        func shape(_ name: String) -> [Int] { blocked ? Operators.blockedShape(c.shape(name)) : c.shape(name) }
        func pointer(_ name: String) throws -> UnsafeMutablePointer<Float> {
            guard blocked, let values = c.constant(name), values.count > 1 else { return try c.pointer(name) }
            let padded = values + [Float](repeating: 0, count: ChannelBlocks.count(values.count) * ChannelBlocks.width - values.count)
            return c.allocate(copying: padded)
        }
        let outShape = shape(f.output)
        let first = try pointer(operands[0])
        // A single operand is broadcast into the output (max of one tensor is itself).
        let start = operands.count == 1
            ? StridedCopy(shape: outShape, sourceStrides: Broadcast.strides(of: shape(operands[0]), in: outShape)) : nil
        let steps = try operands.dropFirst().enumerated().map { index, name in
            (BroadcastBinary(op: op, aShape: index == 0 ? shape(operands[0]) : outShape, bShape: shape(name),
                             outputShape: outShape, activation: index == operands.count - 2 ? f.activation : .identity),
             UnsafePointer(try pointer(name)))
        }
        return {
            start?.run(from: first, to: output)
            for (index, step) in steps.enumerated() {
                step.0.run(index == 0 ? UnsafePointer(first) : UnsafePointer(output), step.1, output, pool: pool)
            }
        }
    }

    /// A 4-D shape [N, C, H, W] as its blocked layout's [N, ⌈C/16⌉, H, W, 16]; a constant's
    /// per-channel [1, C, 1, 1] (or [C, 1, 1]) becomes [1, ⌈C/16⌉, 1, 1, 16], a scalar stays one.
    static func blockedShape(_ shape: [Int]) -> [Int] {
        let padded = Array(repeating: 1, count: max(0, 4 - shape.count)) + shape
        guard padded.reduce(1, *) > 1 else { return [] }
        return [padded[0], ChannelBlocks.count(padded[1]), padded[2], padded[3], ChannelBlocks.width]
    }
}
