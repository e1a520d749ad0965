import SculptKernels

/// The knapsack planner: the strongest non-learning baseline for this problem (HALP, Shen et al.,
/// NeurIPS 2022), from the same measurements the agent has.
///
/// Each (decision, candidate) is priced twice: its latency from the latency table (or its MACs),
/// and its accuracy cost measured alone (that layer pruned and recovered, the rest dense: the
/// divergence of the class scores from the dense model's, which does not saturate on easy data as
/// top-1 does). A multiple-choice knapsack, solved by dynamic programming on a grid of the budget,
/// then picks the configuration of least summed accuracy cost within the budget.
public enum Knapsack {
    /// Steps of the budget grid: weights are rounded up to a step, so a solution of L layers
    /// may leave up to L steps of the budget unused (50 layers: 1.25 %).
    public static let grid = 4000
    /// Reward images each candidate's cost is measured on: the divergence varies smoothly, so a
    /// few hundred images rank candidates as well as more, and at 224² each costs seconds.
    public static let costImages = 128

    /// The accuracy cost of every (decision, candidate) applied alone, the rest dense
    /// (`PruningEnvironment.divergence` on `costImages` images): 0 for dense, infinite where not allowed. `progress`
    /// hears of each measured one and how many there are.
    public static func layerCosts(_ e: PruningEnvironment,
                                  progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> [[Double]] {
        let total = e.allowed.reduce(0) { $0 + $1.dropFirst().filter { $0 }.count }
        let dense = [Int](repeating: 0, count: e.layers.count)
        var done = 0
        return try e.allowed.enumerated().map { l, allowed in
            try allowed.indices.map { c -> Double in
                guard allowed[c] else { return .infinity }
                guard c != 0 else { return 0 }
                var choices = dense
                choices[l] = c
                let cost = try e.divergence(choices, images: costImages)
                done += 1
                progress(done, total)
                return cost
            }
        }
    }

    /// The configuration of least summed `costs` whose estimated cost (`PruningEnvironment.cost`:
    /// its layers in the layouts it gives their inputs, its layout conversions, the rest of the
    /// model) is within `share` of the budget; the cheapest configuration when none is.
    ///
    /// A layer's latency depends on the layout its input arrives in, which the choices before it
    /// decide, and conversions between layers add to the sum: both are outside a knapsack's
    /// additive weights. So the knapsack is solved with the layouts of its last solution until
    /// they repeat, and its capacity is bisected down while the solution's estimate exceeds the
    /// budget.
    public static func plan(_ e: PruningEnvironment, costs: [[Double]], share: Double = 1) throws -> [Int] {
        let limit = share * e.budget.limit(denseMACs: e.denseMACs)
        let dense = [Int](repeating: 0, count: e.layers.count)
        func summed(_ choices: [Int]) -> Double { choices.indices.reduce(0) { $0 + costs[$1][choices[$1]] } }
        var best: [Int]?
        var (low, high, scale) = (0.0, 1.0, 1.0)
        for _ in 0..<12 {
            var layouts = e.inputs(dense), solution: [Int]?
            for _ in 0..<4 {
                guard let solved = solve(e, costs: costs, layouts: layouts, capacity: scale * limit - e.fixedCost) else { break }
                solution = solved
                let next = e.inputs(solved)
                if next == layouts { break }
                layouts = next
            }
            if let solution, try fits(solution, e, limit) {
                if best.map({ summed(solution) < summed($0) }) ?? true { best = solution }
                if scale == 1 { break }
                low = scale
            } else {
                high = scale
            }
            scale = (low + high) / 2
        }
        return best ?? cheapest(e)
    }

    private static func fits(_ choices: [Int], _ e: PruningEnvironment, _ limit: Double) throws -> Bool {
        let (latency, macs) = try e.cost(choices)
        return e.budget.budgetCost(latency: latency, macs: macs) <= limit * (1 + 1e-9)
    }

    /// The multiple-choice knapsack with each layer's input in `layouts`: the choices of least
    /// summed cost whose weights (the layers' costs in the budget's unit) fit `capacity`; nil
    /// when none does. Of equally costly solutions, the lightest.
    static func solve(_ e: PruningEnvironment, costs: [[Double]], layouts: [TensorLayout], capacity: Double) -> [Int]? {
        guard capacity > 0 else { return nil }
        let step = capacity / Double(grid)
        func weight(_ l: Int, _ c: Int) -> Int? {
            let w = e.costs[layouts[l]]![l][c]
            guard w.isFinite, costs[l][c].isFinite else { return nil }
            let steps = (w / step * (1 - 1e-12)).rounded(.up)
            return steps <= Double(grid) ? Int(steps) : nil
        }
        var total = [Double](repeating: .infinity, count: grid + 1)
        total[0] = 0
        var picks = [[Int16]]()
        for l in e.layers.indices {
            var next = [Double](repeating: .infinity, count: grid + 1), pick = [Int16](repeating: -1, count: grid + 1)
            for c in e.allowed[l].indices where e.allowed[l][c] {
                guard let w = weight(l, c) else { continue }
                let cost = costs[l][c]
                for b in 0...(grid - w) where total[b] + cost < next[b + w] {
                    next[b + w] = total[b] + cost
                    pick[b + w] = Int16(c)
                }
            }
            total = next
            picks.append(pick)
        }
        guard var b = total.indices.min(by: { total[$0] < total[$1] }), total[b].isFinite else { return nil }
        var choices = [Int](repeating: 0, count: e.layers.count)
        for l in e.layers.indices.reversed() {
            choices[l] = Int(picks[l][b])
            b -= weight(l, choices[l])!
        }
        return choices
    }

    /// Each layer on its cheapest candidate in the layout the choices before it give it.
    private static func cheapest(_ e: PruningEnvironment) -> [Int] {
        var choices = [Int?](repeating: nil, count: e.layers.count)
        for l in e.layers.indices {
            let row = e.costs[e.inputs.input(of: l, choices)]![l]
            choices[l] = row.indices.min { row[$0] < row[$1] }!
        }
        return choices.map { $0! }
    }
}
