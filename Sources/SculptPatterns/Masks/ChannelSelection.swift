import SculptGraph
import SculptKernels

/// Chooses the output channels that channel pruning removes, one coupling group at a time
/// (DepGraph): every producer of a group loses the same channels, ranked by their L2 norm summed
/// over the producers.
enum ChannelSelection {
    /// The rate each coupling group is channel-pruned with, by group id.
    ///
    /// Channels belong to a coupling group, not to one layer, so a CONFIG's patterns are read per group:
    /// - an explicit `channels` override on any producer prunes the whole group at its rate (two
    ///   different rates in one group, or another family forced on a producer of it, are errors);
    /// - a group none of whose producers is overridden takes the default when it is `channels`;
    /// - a group with overrides of other families only is not channel-pruned: its producers without an
    ///   override stay dense, since the default cannot remove channels from some producers and not others.
    /// - a group the lowering cannot take channels out of (`obstacle`) is skipped by the default; an
    ///   explicit override on it is an error.
    static func rates(groups: [CouplingGroup], config: PruningConfig, graph: ShapedGraph) throws(PatternError) -> [Int: Double] {
        var rates = [Int: Double]()
        for group in groups where group.prunable {
            let obstacle = Self.obstacle(group, graph: graph)
            let explicit = group.producers.compactMap { name in config.layers[name].map { (name: name, pattern: $0) } }
            let channels = explicit.filter { $0.pattern.family == .channels }
            if let first = channels.first {
                if let other = channels.first(where: { $0.pattern.rate != first.pattern.rate }) {
                    throw PatternError.invalidConfig("layers '\(first.name)' and '\(other.name)' share a coupling group but ask for channel rates \(first.pattern.rate) and \(other.pattern.rate)")
                }
                if let other = explicit.first(where: { $0.pattern.family != .channels }) {
                    throw PatternError.notApplicable(layer: other.name, reason: "its coupling group is channel-pruned by the override on '\(first.name)' and every producer of a group loses the same channels, so it cannot be \(other.pattern.family.rawValue)")
                }
                if let obstacle { throw PatternError.notApplicable(layer: first.name, reason: obstacle) }
                rates[group.id] = first.pattern.rate
            } else if explicit.isEmpty, obstacle == nil, config.default.family == .channels {
                rates[group.id] = config.default.rate
            }
        }
        return rates
    }

    /// Why the channels of `group` cannot be removed, if they cannot: a grouped convolution that is
    /// not depthwise follows them (output channel i does not read input i alone), or a linear
    /// layer makes them on a last axis that is not axis 1 (tokens × features), where the lowering
    /// does not follow channels.
    static func obstacle(_ group: CouplingGroup, graph: ShapedGraph) -> String? {
        func node(_ name: String) -> Node? {
            graph.graph.nodes.indices.first { graph.graph.layerName($0) == name }.map { graph.graph.nodes[$0] }
        }
        if let mixing = group.followers.first(where: { name in !(node(name).map { FollowerMasks.follows($0, channels: group.channels, graph: graph) } ?? false) }) {
            return "its channels feed '\(mixing)', a grouped convolution that mixes them, so they cannot be removed"
        }
        if let linear = group.producers.first(where: { name in
            guard let producer = node(name), producer.opType != "Conv", let output = producer.outputs.first else { return false }
            return graph.tensors[output]?.shape.count != 2
        }) {
            return "'\(linear)' makes these channels on the last axis of a tensor of more than two dimensions, where channels are not removed"
        }
        return nil
    }

    /// The masks of `group` pruned at `pattern.rate`: one per producer (its removed filters or output
    /// features) and one per follower (BatchNorm scale and shift, depthwise filters), so that the
    /// removed channels are exactly zero all the way to their consumers.
    static func select(group: CouplingGroup, pattern: PatternConfig, layers: [String: PrunableLayer],
                       graph: ShapedGraph) throws(PatternError) -> [LayerMask] {
        let producers = try group.producers.map { name throws(PatternError) in
            guard let layer = layers[name], let weight = graph.graph.initializers[layer.weight]?.floats else {
                throw PatternError.notApplicable(layer: name, reason: "its channels cannot be removed: it is not a convolution or linear layer with a float weight")
            }
            try layer.check(pattern)
            return (layer: layer, weight: weight)
        }
        var score = [Float](repeating: 0, count: group.channels)
        for (layer, weight) in producers {
            for (channel, norm) in outputNorms(layer, weight).enumerated() { score[channel] += norm }
        }
        let count = min(group.channels - 1, Int((pattern.rate * Double(group.channels)).rounded()))
        let removed = score.indices.sorted { score[$0] != score[$1] ? score[$0] < score[$1] : $0 < $1 }.prefix(count).sorted()
        let isRemoved = Set(removed)

        var masks = producers.map { layer, weight in
            LayerMask(layer: layer.name, weight: layer.weight, bias: layer.bias, pattern: pattern,
                      keep: weight.indices.map { !isRemoved.contains(output(of: $0, layer, count: weight.count)) }, removedOutputs: removed)
        }
        for name in group.followers {
            masks.append(try FollowerMasks.mask(follower: name, channels: group.channels, removed: removed, pattern: pattern, graph: graph))
        }
        return masks
    }

    /// The L2 norm of each output channel's weights.
    static func outputNorms(_ layer: PrunableLayer, _ weight: [Float]) -> [Float] {
        var squares = [Float](repeating: 0, count: layer.outputs)
        for (i, v) in weight.enumerated() { squares[output(of: i, layer, count: weight.count)] += v * v }
        return squares.map { $0.squareRoot() }
    }

    /// The output channel of weight element `i` of `layer`, whose weight has `count` elements.
    static func output(of i: Int, _ layer: PrunableLayer, count: Int) -> Int {
        if case .linear(_, let outFeatures, true) = layer.kind { return i % outFeatures }
        return i / (count / layer.outputs)
    }
}
