import SculptGraph

/// Masks of the layers that follow a producer's channels one to one (BatchNorm, depthwise
/// convolutions): a channel removed from the producer must be zero after them too, or the masked
/// model would still feed it to its readers (BatchNorm turns a zero into its shift).
enum FollowerMasks {
    /// The mask that zeroes channels `removed` of the follower `name` (of `channels` channels) in `graph`.
    static func mask(follower name: String, channels: Int, removed: [Int], pattern: PatternConfig,
                     graph: ShapedGraph) throws(PatternError) -> LayerMask {
        guard let index = graph.graph.nodes.indices.first(where: { graph.graph.layerName($0) == name }) else {
            throw PatternError.notApplicable(layer: name, reason: "no node has this name")
        }
        let node = graph.graph.nodes[index]
        guard let parameter = node.input(1), let values = graph.graph.initializers[parameter] else {
            throw PatternError.notApplicable(layer: name, reason: "it follows removed channels but its parameters are not constant")
        }
        guard follows(node, channels: channels, graph: graph) else {
            throw PatternError.notApplicable(layer: name, reason: "a grouped convolution that mixes channels cannot follow removed channels (only depthwise ones can)")
        }
        let perChannel = values.count / channels, isRemoved = Set(removed)
        let bias = node.input(2).flatMap { graph.graph.initializers[$0] == nil ? nil : $0 }
        return LayerMask(layer: name, weight: parameter, bias: bias, pattern: pattern,
                         keep: (0..<values.count).map { !isRemoved.contains($0 / perChannel) }, removedOutputs: removed)
    }

    /// Whether `node` keeps channel i on channel i for `channels` channels: a BatchNorm, or a
    /// depthwise convolution (one input channel per filter, one filter per channel).
    static func follows(_ node: Node, channels: Int, graph: ShapedGraph) -> Bool {
        if node.opType == "BatchNormalization" { return true }
        guard node.opType == "Conv", let weight = node.input(1).flatMap({ graph.tensors[$0]?.shape }) else { return false }
        return weight.count > 1 && weight[0] == channels && weight[1] == 1
    }

    /// The BatchNorm nodes that read the output of layer `name` directly.
    static func batchNorms(after name: String, graph: ShapedGraph) -> [String] {
        guard let index = graph.graph.nodes.indices.first(where: { graph.graph.layerName($0) == name }),
              let output = graph.graph.nodes[index].outputs.first else { return [] }
        return graph.graph.nodes.indices.filter { graph.graph.nodes[$0].opType == "BatchNormalization" && graph.graph.nodes[$0].input(0) == output }
            .map { graph.graph.layerName($0) }
    }
}
