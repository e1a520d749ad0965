import SculptKernels

/// Chooses AutoSculpt shape patterns for a 3x3 convolution: one `FilterShape` per filter, or the
/// filter removed, so that at least `rate` of the layer's weights go while the most L2 energy stays.
enum ShapeSelection {
    /// Distinct shapes one layer may use, 3x3 included. Every shape becomes one more convolution of
    /// the lowered layer; engines run many thin convolutions far below their MAC count (ResNet-18 at
    /// rate 0.5 with all seven shapes reached 0.58 of its MAC reduction in ONNX Runtime, see
    /// docs/benchmarks-lowering.md), so a layer picks the few shapes that keep the most energy.
    static let librarySize = 3

    /// Filters change shape in blocks of this many (fewer in layers under 64 filters), so that every
    /// lowered convolution has a multiple of it: ONNX Runtime runs convolutions in its blocked
    /// NCHWc layout only when their channel counts are multiples of the block (16 with AVX-512, 8
    /// with AVX2), and falls back to far slower ones with reorders around them otherwise.
    static let alignment = 16

    /// The block size for a layer of `filters` filters: at least four blocks per layer.
    static func block(filters: Int) -> Int { min(alignment, max(1, filters / 4)) }

    /// The mask of `layer` (a 3x3 convolution, one group) for weight values `weight` and `pattern.rate`.
    ///
    /// For every library (3x3 plus up to `librarySize − 1` shapes the layer's pads can express) a
    /// greedy pass starts all filters at 3x3 and repeatedly moves the block of filters, from one
    /// library shape to a smaller one (or out of the layer), that loses the least energy per weight
    /// removed, until the removed weights reach the rate; the library that keeps the most energy
    /// wins. One filter always stays.
    static func select(_ layer: PrunableLayer, weight: [Float], pattern: PatternConfig) throws(PatternError) -> LayerMask {
        try layer.check(pattern)
        guard case .convolution(let conv) = layer.kind else {
            throw PatternError.notApplicable(layer: layer.name, reason: "shape patterns apply to 3x3 convolutions")
        }
        let inputs = conv.inChannelsPerGroup, filters = conv.outChannels
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
        let target = Int((pattern.rate * Double(filters * inputs * 9)).rounded(.up))
        let others = FilterShape.all.filter { $0 != .full && $0.pads(in: conv) != nil }
        var best: (shapes: [FilterShape?], kept: Float)?
        for library in combinations(others, upTo: librarySize - 1) {
            let result = greedy(energy: energy, filters: filters, inputs: inputs, library: [.full] + library, target: target)
            if best == nil || result.kept > best!.kept { best = result }
        }
        let shapes = best!.shapes

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

    /// The greedy pass over one library: each filter's shape (nil: removed) and the energy kept.
    ///
    /// A step moves the `block` filters of one shape that lose the least by one move; it is the
    /// move with the least loss per weight removed, except that once a single move reaches the
    /// target, the one with the least total loss may finish (so the last step overshoots little).
    static func greedy(energy: [Float], filters: Int, inputs: Int, library: [FilterShape], target: Int) -> (shapes: [FilterShape?], kept: Float) {
        func kept(_ f: Int, _ shape: FilterShape?) -> Float {
            guard let shape else { return 0 }
            return (0..<9).reduce(Float(0)) { $0 + (shape.keeps(tap: $1) ? energy[f * 9 + $1] : 0) }
        }
        typealias Move = (loss: Float, freed: Int, to: FilterShape?, filters: [Int])
        let block = Self.block(filters: filters)
        var shapes = [FilterShape?](repeating: .full, count: filters)
        var removed = 0
        while removed < target {
            let alive = shapes.count { $0 != nil }
            var cheapest: Move?, finishing: Move?
            for from in library {
                let members = (0..<filters).filter { shapes[$0] == from }
                for to in library.map(Optional.some) + [nil] where to != from && (to.map { $0.isSubset(of: from) } ?? true) {
                    let count = min(block, members.count, to == nil ? alive - 1 : filters)
                    guard count > 0 else { continue }
                    let losses = members.map { (filter: $0, loss: kept($0, from) - kept($0, to)) }
                        .sorted { $0.loss != $1.loss ? $0.loss < $1.loss : $0.filter < $1.filter }.prefix(count)
                    let move: Move = (losses.reduce(0) { $0 + $1.loss }, count * (from.taps - (to?.taps ?? 0)) * inputs, to, losses.map(\.filter))
                    if cheapest == nil || move.loss / Float(move.freed) < cheapest!.loss / Float(cheapest!.freed) { cheapest = move }
                    if move.freed >= target - removed, finishing == nil || move.loss < finishing!.loss { finishing = move }
                }
            }
            guard let step = cheapest else { break }
            // Finishing now beats going on at the cheapest rate when it loses no more than the rest would.
            let deficit = target - removed
            let chosen = finishing.flatMap { step.freed >= deficit || $0.loss <= step.loss / Float(step.freed) * Float(deficit) ? $0 : nil } ?? step
            for f in chosen.filters { shapes[f] = chosen.to }
            removed += chosen.freed
        }
        return (shapes, (0..<filters).reduce(Float(0)) { $0 + kept($1, shapes[$1]) })
    }

    /// Every selection of at most `size` elements of `elements`, in order, the empty one first.
    static func combinations<T>(_ elements: [T], upTo size: Int) -> [[T]] {
        var result: [[T]] = [[]]
        for element in elements {
            result += result.filter { $0.count < size }.map { $0 + [element] }
        }
        return result
    }
}
