import Foundation
import SculptData
import SculptGraph
import SculptKernels
import SculptPatterns

/// What the search optimizes a model for: the reward of a configuration.
public enum Budget: Sendable, Equatable {
    /// An end-to-end latency target in milliseconds.
    case latency(Double)
    /// A share of the dense model's MACs.
    case macs(Double)

    /// acc − λ · max(0, cost / target − 1) + μ · (1 − latency / dense latency): DESIGN.md's reward
    /// and a small reward for speed. With μ = 0.01, saving a tenth of the dense latency is worth a
    /// tenth of a point of top-1: too little to outweigh an image on a few hundred, enough that
    /// the agent learns to prefer the faster of equally accurate configurations, which within a
    /// MACs budget it otherwise does not (docs/search.md, step 4).
    public func reward(top1: Double, latency: Double, macs: Int, denseMACs: Int, denseLatency: Double,
                       penalty: Double = 2, speed: Double = 0.01) -> Double {
        let excess: Double
        switch self {
        case .latency(let target): excess = latency / target - 1
        case .macs(let ratio): excess = Double(macs) / (ratio * Double(denseMACs)) - 1
        }
        return top1 - penalty * max(0, excess) + speed * (1 - latency / denseLatency)
    }

    /// The budget as JSON: `{"target_latency_ms": 8}` or `{"target_macs": 0.5}`.
    public var json: [String: Double] {
        switch self {
        case .latency(let ms): ["target_latency_ms": ms]
        case .macs(let ratio): ["target_macs": ratio]
        }
    }

    /// Whether a configuration with these costs meets the budget.
    public func isMet(latency: Double, macs: Int, denseMACs: Int) -> Bool {
        budgetCost(latency: latency, macs: macs) <= limit(denseMACs: denseMACs)
    }

    /// The cost the budget limits, in its unit: milliseconds or MACs.
    func budgetCost(latency: Double, macs: Int) -> Double {
        switch self {
        case .latency: latency
        case .macs: Double(macs)
        }
    }

    /// The most a configuration may cost, in the budget's unit.
    func limit(denseMACs: Int) -> Double {
        switch self {
        case .latency(let target): target
        case .macs(let ratio): ratio * Double(denseMACs)
        }
    }
}

/// A configuration evaluated: its accuracy on the calibration data and its costs.
public struct Evaluation: Sendable, Codable, Equatable {
    public var choices: [Int]
    public var top1: Double
    /// The sum of the chosen layers' measured latencies plus the rest of the model's (estimated).
    public var latencyMs: Double
    public var macs: Int
    public var reward: Double

    enum CodingKeys: String, CodingKey { case choices, top1, latencyMs = "latency_ms_estimated", macs, reward }
}

extension Sequence where Element == Evaluation {
    /// The evaluations of distinct configurations, the first of each, in order.
    public var distinctConfigurations: [Evaluation] {
        var seen = Set<[Int]>()
        return filter { seen.insert($0.choices).inserted }
    }
}

/// The model being pruned, its decisions, their measured latencies, and the accuracy of any
/// configuration on the calibration data.
public final class PruningEnvironment {
    public let model: Model
    public let shaped: ShapedGraph
    /// The layers with a choice to make, in execution order, and the candidates each may take.
    public let layers: [PrunableLayer]
    public let allowed: [[Bool]]
    public let latency: LatencyTable
    /// The layout each layer's input arrives in under a configuration.
    public let inputs: LayerInputs
    /// The layout conversions between layers under a configuration.
    public let conversions: LayoutConversions
    public let calibration: LabelledData
    public let budget: Budget
    public let denseMACs: Int
    /// The dense model's latency, measured end to end.
    public let denseLatencyMs: Double
    /// How fast the device runs now against its profile (`pace`): the latency table is the
    /// profile's times this.
    public let pace: Double
    /// Latency of everything but the decision layers, in the latency table's terms (`remainder`):
    /// the dense model's, its layout conversions included.
    public let remainderMs: Double
    /// What the dense model's layout conversions cost (part of `remainderMs`).
    private let denseConversionsMs: Double
    /// Calibration images every configuration is recovered on before its accuracy counts (0:
    /// accuracy of the masks alone).
    public let recoveryImages: Int
    /// The share of each decision layer's weight energy (Σ w²) that each candidate keeps (0 where
    /// not allowed): what the mask costs the layer before recovery.
    public let keptEnergy: [[Double]]
    /// What each (decision layer, candidate) costs in the budget's unit (infinite where not
    /// allowed) with the layer's input arriving blocked and planar, the least each layer can
    /// cost, what the rest of the model costs, and the most a configuration may cost: the
    /// budget's limit, or a lower one for a while (`within(limit:_:)`).
    let costs: [TensorLayout: [[Double]]]
    private let cheapest: [Double]
    let fixedCost: Double
    private(set) var limit: Double
    /// What each (decision layer, candidate) costs in accuracy applied alone, the rest dense
    /// (`Knapsack.layerCosts`; nil until measured): a feature of the candidates.
    public var accuracyCosts: [[Double]]?
    private let recovery: Recovery?
    /// The images divergences are measured on and the dense model's scores there.
    private var denseScores: (count: Int, data: LabelledData, scores: Scores)?
    private var masks = [Int: LayerMask]()
    private var cache = [[Int]: Evaluation]()
    /// Evaluations that ran the model (cache misses) and the time they took.
    public private(set) var evaluations = 0
    public private(set) var evaluationSeconds = 0.0

    /// `latency` is the profile's table, `denseEndToEndMs` the dense model's latency measured end
    /// to end, and `denseTurns` the turns it was measured in beside its decision layers (`pace`,
    /// `remainder`). `inputs` and `conversions` are the model's (`LayerInputs`,
    /// `LayoutConversions`), computed here when not given.
    public init(model: Model, calibration: LabelledData, budget: Budget, latency: LatencyTable, inputs: LayerInputs? = nil,
                conversions: LayoutConversions? = nil, denseEndToEndMs: Double, denseTurns: [DenseTurn] = [],
                recoveryImages: Int = 0) throws {
        self.recoveryImages = min(recoveryImages, calibration.count)
        self.model = model
        shaped = try model.specialized()
        let (layers, allowed) = try Self.decisions(of: model)
        (self.layers, self.allowed) = (layers, allowed)
        precondition(latency.latencies.count == layers.count, "one latency row per decision layer")
        let inputs = try inputs ?? LayerInputs(model: model, layers: layers, allowed: allowed)
        self.inputs = inputs
        let conversions = try conversions ?? LayoutConversions(model: model, layers: layers, inputs: inputs)
        self.conversions = conversions
        self.calibration = calibration
        self.budget = budget
        denseMACs = shaped.costs().reduce(0) { $0 + $1.macs }
        denseLatencyMs = denseEndToEndMs
        let dense = [Int](repeating: 0, count: layers.count), stored = latency.total(dense, inputs: inputs(dense))
        pace = Self.pace(storedLayersMs: stored, turns: denseTurns)
        let latency = latency.scaled(by: pace)
        self.latency = latency
        remainderMs = Self.remainder(layersMs: stored * pace, denseMs: denseEndToEndMs, turns: denseTurns)
        denseConversionsMs = latency.total(try conversions.unpriced(dense))
        let costs = Dictionary(uniqueKeysWithValues: [TensorLayout.blocked, .planar].map { input in
            (input, zip(layers, allowed).enumerated().map { l, pair in
                pair.1.indices.map { c in
                    pair.1[c] ? budget.budgetCost(latency: latency.latency(l, c, input: input) ?? 0, macs: Self.keptMACs(pair.0, c)) : .infinity
                }
            })
        })
        self.costs = costs
        cheapest = layers.indices.map { l in inputs.possible[l].map { costs[$0]![l].min()! }.min()! }
        keptEnergy = try zip(layers, allowed).map { layer, allowed in
            let weight = try layer.weightValues(in: model)
            let total = max(weight.reduce(0) { $0 + Double($1) * Double($1) }, .leastNonzeroMagnitude)
            return try allowed.indices.map { c in
                guard allowed[c] else { return 0 }
                guard c != 0 else { return 1 }
                let keep = try MaskSelection.select(layer, weight: weight, pattern: SearchSpace.candidates[c]).keep
                return zip(weight, keep).reduce(0) { $0 + ($1.1 ? Double($1.0) * Double($1.0) : 0) } / total
            }
        }
        fixedCost = budget.budgetCost(latency: remainderMs, macs: denseMACs - layers.reduce(0) { $0 + $1.macs })
        limit = budget.limit(denseMACs: denseMACs)
        let imageShape = Array(calibration.shape.dropFirst())
        recovery = self.recoveryImages == 0 ? nil
            : try Recovery(dense: model, images: Array(calibration.images.prefix(self.recoveryImages * imageShape.reduce(1, *))),
                           imageShape: imageShape, count: self.recoveryImages)
    }

    /// The decision layers of `model` and the candidates each may take (for measuring their latencies first).
    public static func decisions(of model: Model) throws -> (layers: [PrunableLayer], allowed: [[Bool]]) {
        let all = try model.specialized().prunableLayers()
        let allowed = all.map(SearchSpace.allowed)
        let keep = allowed.indices.filter { allowed[$0].filter { $0 }.count > 1 }
        return (keep.map { all[$0] }, keep.map { allowed[$0] })
    }

    /// The CONFIG of a configuration: every decision layer named, dense ones included.
    public func config(_ choices: [Int]) -> PruningConfig { SearchSpace.config(layers: layers, choices: choices) }

    /// The masks of a configuration (chosen once per layer and candidate).
    public func masks(_ choices: [Int]) throws -> ModelMasks {
        var result = [LayerMask]()
        for (l, c) in choices.enumerated() where c != 0 {
            let key = l * SearchSpace.candidates.count + c
            if masks[key] == nil {
                masks[key] = try MaskSelection.select(layers[l], weight: try layers[l].weightValues(in: model),
                                                      pattern: SearchSpace.candidates[c])
            }
            result.append(masks[key]!)
        }
        return ModelMasks(masks: result)
    }

    /// The model pruned by a configuration, recovered (`Recovery`) when `recoveryImages` > 0.
    public func prunedModel(_ choices: [Int], recovery steps: Recovery.Steps = .all) throws -> Model {
        let masks = try masks(choices)
        guard let recovery, !steps.isEmpty else { return masks.apply(to: model) }
        return try recovery.recover(masks, steps: steps)
    }

    /// MACs of `layer` with candidate `c`.
    static func keptMACs(_ layer: PrunableLayer, _ c: Int) -> Int {
        Int((Double(layer.macs) * SearchSpace.candidates[c].density).rounded())
    }

    /// How fast the device runs now against its profile: the median over `turns` of the dense
    /// model's layers measured alone now, over their latencies in the profile (`storedLayersMs`);
    /// 1 without turns.
    ///
    /// The budget is in milliseconds of now (`sculpt bench` gives them), and the chosen
    /// configuration is measured now; the profile was measured at some other time, under another
    /// load of a shared machine or other conditions. On this host a store measured the day before
    /// put the example's dense layers at 0.127 ms when they ran in 0.061, and every configuration
    /// over a budget of half the dense latency; ResNet-20's at 0.478 ms when they ran in 0.532,
    /// and the configurations chosen within 0.211 ms by the profile measured 0.25–0.27 ms.
    /// Scaling every layer by one factor assumes that a busier device slows every kernel alike.
    public static func pace(storedLayersMs: Double, turns: [DenseTurn]) -> Double {
        guard !turns.isEmpty, storedLayersMs > 0 else { return 1 }
        return turns.map { $0.layersMs / storedLayersMs }.median
    }

    /// The latency of everything but the decision layers, in the latency table's terms: the
    /// median over `turns` of the dense model's time over its layers' time alone, less one, times
    /// the layers' time in the table (`layersMs`); without turns, the dense model's time
    /// (`denseMs`) less its layers' time in the table.
    ///
    /// Measured beside the model in each turn, the layers slow down with it when the device gets
    /// busier, and the rest as a share of them does not. (Before 2026-12-07 the rest was taken
    /// from the dense model and the fastest configuration measured end to end, and the slowdown
    /// from their difference: a difference of two measurements, which on this host moved a small
    /// CNN's rest between 0.003 and 0.030 ms from run to run, its estimates by ±20 %, and
    /// ResNet-20's rest to 0.047 ms in a slow phase.)
    public static func remainder(layersMs: Double, denseMs: Double, turns: [DenseTurn]) -> Double {
        guard !turns.isEmpty else { return max(0, denseMs - layersMs) }
        return layersMs * turns.map { max(0, $0.modelMs / $0.layersMs - 1) }.median
    }

    /// The estimated latency and the MACs of a configuration, known before it is evaluated: its
    /// layers, the rest of the dense model, and the layout conversions it makes beyond the dense
    /// model's (`conversionsMs`).
    public func cost(_ choices: [Int]) throws -> (latencyMs: Double, macs: Int) {
        (latency.total(choices, inputs: inputs(choices)) + remainderMs + (try conversionsMs(choices)),
         denseMACs - zip(layers, choices).reduce(0) { $0 + $1.0.macs - Self.keptMACs($1.0, $1.1) })
    }

    /// What the layout conversions that no layer's measurement includes cost under `choices`,
    /// less the dense model's (which the rest of the model holds): negative when the
    /// configuration converts less.
    public func conversionsMs(_ choices: [Int]) throws -> Double {
        latency.total(try conversions.unpriced(choices)) - denseConversionsMs
    }

    /// Runs `body` with the configurations the agent can make held to `limit` (in the budget's
    /// unit) instead of the budget's: the feasible candidates and the budget's shares in the
    /// features follow it; rewards stay the budget's.
    public func within<T>(limit: Double, _ body: () throws -> T) rethrows -> T {
        let saved = self.limit
        self.limit = min(limit, saved)
        defer { self.limit = saved }
        return try body()
    }

    /// What the cheapest configuration the agent can make costs (the first decision's cheapest
    /// completion, `feasible`), as a share of the budget: over 1 when none it makes meets it.
    public var cheapestShare: Double {
        get throws { try completions([Int?](repeating: nil, count: layers.count), at: 0).min()! / limit }
    }

    /// What each candidate of decision `d` costs after the choices before it (which decide the
    /// layout its input arrives in), as shares of the budget (infinite where not allowed).
    public func costShares(_ choices: [Int?], at d: Int) -> [Double] {
        costs[inputs.input(of: d, choices)]![d].map { $0 / limit }
    }

    /// Where decision `d` stands against the budget, as shares of it: what the rest of the model
    /// and the choices before `d` cost, and the least the decisions after it can cost (each on
    /// its cheapest candidate in its cheapest layout: a bound, for the features).
    public func budgetState(_ choices: [Int?], at d: Int) -> (spent: Double, cheapestRest: Double) {
        (spentCost(choices, before: d) / limit, cheapest[(d + 1)...].reduce(0, +) / limit)
    }

    /// What the rest of the model and the choices before decision `d` cost, in the budget's unit.
    private func spentCost(_ choices: [Int?], before d: Int) -> Double {
        (0..<d).reduce(fixedCost) { $0 + costs[inputs.input(of: $1, choices)]![$1][choices[$1]!] }
    }

    /// The candidates of decision `d` that keep the budget within reach after the choices before
    /// it (AMC's constrained actions: every configuration the agent makes meets the budget); the
    /// cheapest ones when none does. Within reach: the decisions after `d`, each on its cheapest
    /// candidate in the layout the choices before it give it, complete the configuration within
    /// the budget. That completion is one the next decision can take, so a decision always has
    /// a feasible candidate when the one before had; the least each later layer costs in any
    /// layout is no such guarantee (groups of 4 are cheap but make the next layer's input planar,
    /// which costs that layer more).
    public func feasible(_ choices: [Int?], at d: Int) throws -> [Bool] {
        let totals = try completions(choices, at: d)
        // A hair under the limit: the evaluation sums the same costs in another order.
        let fits = totals.map { $0 / limit <= 1 - 1e-9 }
        if fits.contains(true) { return fits }
        let cheapest = totals.min()!
        return totals.map { $0 == cheapest }
    }

    /// What the configuration costs, in the budget's unit, with each candidate of decision `d`
    /// after the choices before it and each later layer on its cheapest candidate in the layout
    /// the choices before it give it (infinite where not allowed); the layout conversions of the
    /// completed configuration included.
    private func completions(_ choices: [Int?], at d: Int) throws -> [Double] {
        let spent = spentCost(choices, before: d), input = inputs.input(of: d, choices)
        var trial = choices
        return try allowed[d].indices.map { c -> Double in
            guard allowed[d][c] else { return .infinity }
            trial[d] = c
            var total = spent + costs[input]![d][c]
            for j in d + 1..<layers.count {
                let row = costs[inputs.input(of: j, trial)]![j]
                trial[j] = row.indices.min { row[$0] < row[$1] }!
                total += row[trial[j]!]
            }
            if case .latency = budget { total += try conversionsMs(trial.map { $0! }) }
            return total
        }
    }

    /// How far the configuration's class scores on the first `images` calibration images stray
    /// from the dense model's (`Scores.divergence`), recovered as every evaluation is; counted
    /// in `evaluations`.
    public func divergence(_ choices: [Int], images: Int) throws -> Double {
        let start = Date()
        defer {
            evaluations += 1
            evaluationSeconds += Date().timeIntervalSince(start)
        }
        let count = min(images, calibration.count), batch = min(256, max(1, count))
        if denseScores?.count != count {
            let data = calibration.subset(Array(0..<count))
            denseScores = (count, data, try Scores(model, on: data, dataName: "calibration data", batch: batch))
        }
        let (_, data, dense) = denseScores!
        return try Scores(try prunedModel(choices), kernels: try masks(choices).kernels, on: data, dataName: "calibration data",
                          batch: batch).divergence(from: dense)
    }

    /// Accuracy, costs and reward of a configuration (cached: a configuration is evaluated once).
    public func evaluate(_ choices: [Int]) throws -> Evaluation {
        if let known = cache[choices] { return known }
        let start = Date()
        let masks = try masks(choices)
        let accuracy = try Accuracy.evaluate(try prunedModel(choices), kernels: masks.kernels, on: calibration, dataName: "calibration data",
                                             batch: min(256, max(1, calibration.count)))
        let (latency, macs) = try cost(choices)
        // Top-1 moves in steps of one image; the confidence, worth less than one image, orders
        // equally accurate configurations so that the agent learns from every episode.
        let score = accuracy.top1 + accuracy.confidence / Double(accuracy.count + 1)
        let evaluation = Evaluation(choices: choices, top1: accuracy.top1, latencyMs: latency, macs: macs,
                                    reward: budget.reward(top1: score, latency: latency, macs: macs, denseMACs: denseMACs,
                                                         denseLatency: denseLatencyMs))
        cache[choices] = evaluation
        evaluations += 1
        evaluationSeconds += Date().timeIntervalSince(start)
        return evaluation
    }
}
