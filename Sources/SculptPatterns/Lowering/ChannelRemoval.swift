import SculptGraph

extension GraphLowering {
    /// Takes the removed output channels of a channel-pruned convolution or linear layer out of its
    /// weight and bias; its readers then drop the same channels (`absorb`).
    mutating func removeChannels(_ node: inout Node, _ mask: LayerMask) throws {
        let weight = try constant(node.inputs[1], of: node)
        let axis: Int
        switch node.opType {
        case "Conv": axis = 0
        case "Gemm" where weight.shape.count == 2: axis = (node.int("transB") ?? 0) == 1 ? 0 : 1
        case "MatMul" where weight.shape.count == 2 && shapes[node.outputs[0]]?.count == 2: axis = 1
        default: throw failure(node, "channels are removed from convolutions and two-dimensional linear layers")
        }
        let removed = Set(mask.removedOutputs)
        let kept = (0..<weight.shape[axis]).filter { !removed.contains($0) }
        node.inputs[1] = store(weight.gathered(axis: axis, kept), as: node.inputs[1])
        if let name = node.input(2) {
            let bias = try constant(name, of: node)
            // A Gemm's bias may broadcast over the output features; only a per-feature one loses entries.
            if bias.shape.last == weight.shape[axis] {
                node.inputs[2] = store(bias.gathered(axis: bias.shape.count - 1, kept), as: name)
            }
        }
        channels[node.outputs[0]] = kept
    }
}
