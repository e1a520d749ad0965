import SculptKernels

/// Chooses AutoSculpt shape patterns for a 3x3 convolution: one `FilterShape` per filter, or the
/// filter removed, so that at least `rate` of the layer's weights go while the most L2 energy stays.
enum ShapeSelection {
    /// The mask of `layer` (a 3x3 convolution, one group) for weight values `weight` and `pattern.rate`.
    ///
    /// Greedy: every filter starts at 3x3; each step takes, over all filters, the move to a smaller
    /// shape (or the filter's removal) that loses the least energy per weight removed, until the
    /// removed weights reach the rate. Only shapes the lowering can express with the layer's pads
    /// are offered, and one filter always stays.
    static func select(_ layer: PrunableLayer, weight: [Float], pattern: PatternConfig) throws(PatternError) -> LayerMask {
        try layer.check(pattern)
        guard case .convolution(let conv) = layer.kind else {
            throw PatternError.notApplicable(layer: layer.name, reason: "shape patterns apply to 3x3 convolutions")
        }
        let inputs = conv.inChannelsPerGroup, filters = conv.outChannels
        let options = FilterShape.all.filter { $0.pads(in: conv) != nil }
        // Energy of each tap of each filter, summed over its kernels.
        var energy = [Float](repeating: 0, count: filters * 9)
        for f in 0..<filters {
            for c in 0..<inputs {
                for t in 0..<9 {
                    let v = weight[(f * inputs + c) * 9 + t]
                    energy[f * 9 + t] += v * v
                }
            }
        }
        func kept(_ f: Int, _ shape: FilterShape?) -> Float {
            guard let shape else { return 0 }
            return (0..<9).reduce(Float(0)) { $0 + (shape.keeps(tap: $1) ? energy[f * 9 + $1] : 0) }
        }

        var shapes = [FilterShape?](repeating: .full, count: filters)
        var alive = filters
        /// The cheapest move of filter `f`: energy lost per weight removed, and the shape it leads to (nil: removal).
        func bestMove(_ f: Int) -> (cost: Float, to: FilterShape?)? {
            guard let current = shapes[f] else { return nil }
            let have = kept(f, current)
            var best: (cost: Float, to: FilterShape?)? = alive > 1 ? (have / Float(current.taps * inputs), nil) : nil
            for option in options where option != current && option.isSubset(of: current) {
                let cost = (have - kept(f, option)) / Float((current.taps - option.taps) * inputs)
                if best == nil || cost < best!.cost { best = (cost, option) }
            }
            return best
        }
        var moves = (0..<filters).map(bestMove)
        let target = Int((pattern.rate * Double(filters * inputs * 9)).rounded(.up))
        var removed = 0
        while removed < target {
            var chosen: Int?
            for f in 0..<filters {
                guard let move = moves[f] else { continue }
                if chosen == nil || move.cost < moves[chosen!]!.cost { chosen = f }
            }
            guard let f = chosen, let move = moves[f], let current = shapes[f] else { break }
            removed += (current.taps - (move.to?.taps ?? 0)) * inputs
            shapes[f] = move.to
            if move.to == nil {
                alive -= 1
                // Removal is no longer offered to the last filter standing.
                if alive == 1 { moves = (0..<filters).map(bestMove) }
            }
            moves[f] = bestMove(f)
        }

        var keep = [Bool](repeating: false, count: weight.count)
        for f in 0..<filters {
            guard let shape = shapes[f] else { continue }
            for c in 0..<inputs {
                for t in 0..<9 where shape.keeps(tap: t) { keep[(f * inputs + c) * 9 + t] = true }
            }
        }
        return LayerMask(layer: layer.name, weight: layer.weight, bias: layer.bias, pattern: pattern, keep: keep,
                         removedOutputs: (0..<filters).filter { shapes[$0] == nil })
    }
}
