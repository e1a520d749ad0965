/// What one node costs: multiply-accumulates, parameters and the bytes of its outputs.
public struct LayerCost: Sendable, Equatable {
    public var name: String
    public var opType: String
    public var inputShape: [Int]
    public var outputShape: [Int]
    /// Multiply-accumulates of convolutions and matrix products (the standard count; elementwise work is not counted).
    public var macs: Int
    /// Elements of the learned tensors the node reads (BatchNorm statistics and Clip bounds excluded).
    public var parameters: Int
    /// Bytes of the node's outputs (float32).
    public var activationBytes: Int

    /// MACs are saturated here, so that totals over any graph stay representable.
    static let macsLimit = 1 << 52

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
                // Running statistics and clipping bounds are constants, not learned parameters.
                if (node.opType == "BatchNormalization" && i >= 3) || (node.opType == "Clip" && i >= 1) { continue }
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
            return elementCount(output + weight.dropFirst(), limit: LayerCost.macsLimit) ?? LayerCost.macsLimit
        case "Gemm":
            guard let a = node.input(0).flatMap({ tensors[$0]?.shape }), a.count == 2 else { return 0 }
            return elementCount(output + [node.int("transA") == 1 ? a[0] : a[1]], limit: LayerCost.macsLimit) ?? LayerCost.macsLimit
        case "MatMul":
            guard let a = node.input(0).flatMap({ tensors[$0]?.shape }), let k = a.last else { return 0 }
            return elementCount(output + [k], limit: LayerCost.macsLimit) ?? LayerCost.macsLimit
        case "Einsum" where node.inputs.count >= 2:
            // One multiply-accumulate per combination of the letters' values, as a product written out would take.
            guard let equation = try? einsum(node) else { return 0 }
            return elementCount(Array(equation.sizes.values), limit: LayerCost.macsLimit) ?? LayerCost.macsLimit
        default:
            return 0
        }
    }
}
