import SculptGraph

extension GraphLowering {
    /// Operators that work on each channel alone, so a channel order passes through them.
    static let channelwise: Set<String> = [
        "Relu", "LeakyRelu", "Clip", "Tanh", "Erf", "Dropout", "Identity", "Cast", "HardSwish", "Elu", "Selu", "Softsign",
        "Neg", "Abs", "Sigmoid", "HardSigmoid", "Softplus", "Exp",
        "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
    ]
    /// Channelwise operators that turn a zero channel into a non-zero one: removed channels cannot pass them.
    static let nonZeroAtZero: Set<String> = ["Sigmoid", "HardSigmoid", "Softplus", "Exp"]
    /// Elementwise operators whose operands meet channel by channel.
    static let elementwise: Set<String> = ["Add", "Sub", "Mul", "Div", "Sum", "Max", "Min"]
    /// Those for which a removed (zero) channel stays zero only if the other operand is zero there too.
    static let additive: Set<String> = ["Add", "Sub", "Sum", "Max", "Min"]

    /// Rewrites `node` for the removed or reordered channels of its inputs and records those of its output.
    mutating func absorb(_ node: inout Node) throws {
        let mapped = node.inputs.indices.filter { channels[node.inputs[$0]] != nil }
        guard let first = mapped.first, let order = channels[node.inputs[first]] else { return }
        let input = node.inputs[first]
        let removed = Set(0..<(originalChannels(input) ?? 0)).subtracting(order)
        guard mapped == [0] || Self.elementwise.contains(node.opType) else {
            throw failure(node, "its input \(first) has removed or reordered channels, which a \(node.opType) cannot take")
        }
        switch node.opType {
        case "Conv" where (node.int("group") ?? 1) == 1:
            node.inputs[1] = store(try constant(node.inputs[1], of: node).gathered(axis: 1, order), as: node.inputs[1])
        case "Conv":
            let weight = try constant(node.inputs[1], of: node)
            guard weight.shape.count > 1, weight.shape[1] == 1, weight.shape[0] == node.int("group"),
                  weight.shape[0] == originalChannels(input) else {
                throw failure(node, "a grouped convolution that mixes channels cannot take removed or reordered channels (only depthwise ones can)")
            }
            guard zero(node.input(2), at: removed) else {
                throw failure(node, "its bias is not zero on removed channels, so they cannot leave the graph")
            }
            for i in 1...2 where node.input(i) != nil {
                node.inputs[i] = store(try constant(node.inputs[i], of: node).gathered(axis: 0, order), as: node.inputs[i])
            }
            node.attributes = node.attributes.filter { $0.name != "group" } + [Attribute("group", .int(order.count))]
            pass(node, order)
        case "BatchNormalization":
            guard zero(node.input(1), at: removed), zero(node.input(2), at: removed) else {
                throw failure(node, "its scale and shift are not zero on removed channels (the masks leave it out), so they cannot leave the graph")
            }
            for i in 1...4 {
                node.inputs[i] = store(try constant(node.inputs[i], of: node).gathered(axis: 0, order), as: node.inputs[i])
            }
            pass(node, order)
        case "Flatten":
            guard let shape = shapes[input], (node.int("axis") ?? 1) == 1 || node.int("axis") == 1 - shape.count else {
                throw failure(node, "only a Flatten that keeps the batch axis alone can take removed or reordered channels")
            }
            // Channel c of [N, C, H, W] becomes features c·H·W ..< (c + 1)·H·W.
            let size = shape[2...].reduce(1, *)
            channels[node.outputs[0]] = order.flatMap { ($0 * size)..<(($0 + 1) * size) }
        case "Gemm" where (node.int("transA") ?? 0) == 0:
            let transposed = (node.int("transB") ?? 0) == 1
            node.inputs[1] = store(try constant(node.inputs[1], of: node).gathered(axis: transposed ? 1 : 0, order), as: node.inputs[1])
        case "MatMul" where shapes[input]?.count == 2:
            node.inputs[1] = store(try constant(node.inputs[1], of: node).gathered(axis: 0, order), as: node.inputs[1])
        case _ where Self.channelwise.contains(node.opType):
            if !removed.isEmpty && !preservesZero(node) {
                throw failure(node, "removed channels are zero before this \(node.opType) but would not be after it, so they cannot leave the graph")
            }
            pass(node, order)
        case _ where Self.elementwise.contains(node.opType):
            try meet(&node, order)
        default:
            throw failure(node, "a \(node.opType) cannot take removed or reordered channels")
        }
    }

    /// An elementwise node: operands that carry channels must all carry `order`; constant operands
    /// with a channel axis are sliced to it.
    mutating func meet(_ node: inout Node, _ order: [Int]) throws {
        guard let output = node.outputs.first, let rank = shapes[output]?.count, let count = originalChannels(output) else {
            throw failure(node, "its output shape is unknown")
        }
        let removed = Set(0..<count).subtracting(order)
        for (i, name) in node.inputs.enumerated() where !name.isEmpty {
            if let other = channels[name] {
                guard other == order else { throw failure(node, "its operands reach it with different channels removed or reordered") }
                continue
            }
            guard let shape = shapes[name] else { continue }
            // Broadcasting aligns shapes from the right: find the operand's channel axis, if any.
            let axis = 1 - (rank - shape.count)
            guard axis >= 0, shape[axis] != 1 else { continue }
            guard let constant = constants[name] ?? graph.initializers[name], let values = constant.floats else {
                throw failure(node, "its operand '\(name)' keeps all \(count) channels while another lost or reordered some")
            }
            if Self.additive.contains(node.opType) {
                let inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *)
                let nonZero = removed.contains { c in
                    (0..<outer).contains { o in (0..<inner).contains { values[(o * count + c) * inner + $0] != 0 } }
                }
                if nonZero { throw failure(node, "its constant operand '\(name)' is not zero on removed channels, so they cannot leave the graph") }
            }
            node.inputs[i] = store(constant.gathered(axis: axis, order), as: name)
        }
        pass(node, order)
    }

    /// Whether a zero input gives a zero output.
    func preservesZero(_ node: Node) -> Bool {
        if Self.nonZeroAtZero.contains(node.opType) { return false }
        guard node.opType == "Clip" else { return true }
        let low = node.input(1).flatMap { constants[$0]?.floats?.first } ?? node.float("min") ?? -.infinity
        let high = node.input(2).flatMap { constants[$0]?.floats?.first } ?? node.float("max") ?? .infinity
        return low <= 0 && high >= 0
    }

    /// Whether every reader of `tensor` can take its channels in another order and without the
    /// channels `removed` (zero in the masked model): convolutions and linear layers absorb the order
    /// into their weights; channelwise operators, BatchNorm and depthwise convolutions that keep the
    /// removed channels at zero pass it on to readers that can.
    func absorbable(_ tensor: String, removed: Set<Int>) -> Bool {
        guard !graph.outputs.contains(where: { $0.name == tensor }) else { return false }
        return (consumers[tensor] ?? []).allSatisfy { node in
            guard node.inputs.firstIndex(of: tensor) == 0, node.inputs.lastIndex(of: tensor) == 0 else { return false }
            let weight = node.input(1).flatMap { constants[$0] }
            let next = node.outputs.first ?? ""
            switch node.opType {
            case "Conv" where (node.int("group") ?? 1) == 1: return weight != nil
            case "Conv":
                return weight?.shape[1] == 1 && weight?.shape[0] == originalChannels(tensor) && zero(node.input(2), at: removed)
                    && absorbable(next, removed: removed)
            case "Gemm": return (node.int("transA") ?? 0) == 0 && weight != nil
            case "MatMul": return shapes[tensor]?.count == 2 && weight != nil
            case "BatchNormalization":
                return zero(node.input(1), at: removed) && zero(node.input(2), at: removed) && absorbable(next, removed: removed)
            case "Flatten":
                guard (node.int("axis") ?? 1) == 1, let shape = shapes[tensor] else { return false }
                let size = shape[2...].reduce(1, *)
                return absorbable(next, removed: Set(removed.flatMap { ($0 * size)..<(($0 + 1) * size) }))
            case _ where Self.channelwise.contains(node.opType):
                return (removed.isEmpty || preservesZero(node)) && absorbable(next, removed: removed)
            default: return false
            }
        }
    }

    /// Whether the per-channel constant `name` (absent counts as zero) is zero on `channels`.
    func zero(_ name: String?, at channels: Set<Int>) -> Bool {
        guard let name else { return true }
        guard let values = constants[name]?.floats ?? graph.initializers[name]?.floats else { return false }
        return channels.allSatisfy { $0 < values.count && values[$0] == 0 }
    }

    /// Records that `node`'s output has the channels `order` of its input.
    mutating func pass(_ node: Node, _ order: [Int]) {
        if let output = node.outputs.first { channels[output] = order }
    }
}
