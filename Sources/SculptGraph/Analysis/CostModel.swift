/// What one node costs: multiply-accumulates, parameters and the bytes of its outputs.
public struct LayerCost: Sendable, Equatable {
    public var name: String
    public var opType: String
    public var inputShape: [Int]
    public var outputShape: [Int]
    /// Multiply-accumulates of convolutions and matrix products (the standard count; elementwise work is not counted).
    public var macs: Int
    /// Elements of the learned tensors the node reads (BatchNorm running statistics excluded).
    public var parameters: Int
    /// Bytes of the node's outputs (float32).
    public var activationBytes: Int

    /// Whether the node is a layer in the usual sense: it computes something or holds weights.
    public var isLayer: Bool { macs > 0 || parameters > 0 }
}

extension ShapedGraph {
    /// The cost of every node, in execution order.
    public func costs() -> [LayerCost] {
        var counted = Set<String>()
        return graph.nodes.enumerated().map { index, node in
            let output = node.outputs.first.flatMap { tensors[$0]?.shape } ?? []
            let input = node.input(0).flatMap { tensors[$0]?.shape } ?? []
            var parameters = 0
            for (i, name) in node.inputs.enumerated() where !name.isEmpty && !counted.contains(name) {
                guard let constant = tensors[name]?.constant, constant.dataType.isFloatingPoint else { continue }
                if node.opType == "BatchNormalization" && i >= 3 { continue }
                counted.insert(name)
                parameters += constant.count
            }
            return LayerCost(
                name: graph.layerName(index), opType: node.opType, inputShape: input, outputShape: output,
                macs: macs(node, output: output),
                parameters: parameters,
                activationBytes: node.outputs.compactMap { tensors[$0]?.count }.reduce(0, +) * 4)
        }
    }

    private func macs(_ node: Node, output: [Int]) -> Int {
        switch node.opType {
        case "Conv":
            guard let weight = node.input(1).flatMap({ tensors[$0]?.shape }) else { return 0 }
            // Every output element takes (C_in / groups) × kernel multiply-accumulates.
            return output.reduce(1, *) * weight.dropFirst().reduce(1, *)
        case "Gemm":
            guard let a = node.input(0).flatMap({ tensors[$0]?.shape }), a.count == 2 else { return 0 }
            return output.reduce(1, *) * (node.int("transA") == 1 ? a[0] : a[1])
        case "MatMul":
            guard let a = node.input(0).flatMap({ tensors[$0]?.shape }), let k = a.last else { return 0 }
            return output.reduce(1, *) * k
        default:
            return 0
        }
    }
}
