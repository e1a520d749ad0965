/// Each search's answer, chosen by the device and by images the reward never saw.
///
/// The searches go by estimates (measured layers, summed), which are off by a few percent: as
/// much as configurations near the budget differ. And they go by the reward part of the
/// calibration data, which the agent was trained on: with a few hundred images, one image is a
/// few tenths of a point, and the most accurate configuration there is partly chosen by noise. So
/// each search's contenders — its `mostAccurate` most accurate configurations within the budget by
/// the estimate, and under a latency budget its most accurate within each of `sharesOfBudget` —
/// are measured end to end, all in the same turns, and evaluated on the selection part; the
/// search's answer is, of those that measure within the budget, the fastest of those within one
/// selection image of the most accurate. The agent's answer at a baseline's latency is, of its
/// measured configurations, the most accurate on the selection part that measures no slower than
/// the baseline's answer; failing that, the most accurate that is not slower beyond the turns'
/// spread. The report shows these same measurements: every search is chosen among its contenders
/// by the same rule, so none is favoured by the noise it was chosen on.
public struct MeasuredAnswers {
    public var agent: Evaluation
    public var uniform: Evaluation
    public var random: Evaluation
    public var knapsack: Evaluation
    public var atUniform: Evaluation?
    public var atRandom: Evaluation?
    public var atKnapsack: Evaluation?
    /// The end-to-end latency of every configuration measured, by its choices.
    public var latency: [[Int]: TurnLatency]
    /// Top-1 on the selection part of every configuration measured, by its choices.
    public var selectionTop1: [[Int]: Double]
    /// The latency budget, under one.
    private let limit: Double?

    /// The shares of a latency budget within which each search's most accurate configuration is measured.
    public static let sharesOfBudget = [1, 0.97, 0.94]
    /// How many of each search's most accurate configurations within the budget are measured.
    public static let mostAccurate = 4

    /// Evaluates on the selection part (`selection`: top-1 of each, in order; `selectionImages`
    /// of them), measures (`measure`: end to end, in the same turns, in the same order) and
    /// chooses. `knapsack` holds the planner's configurations (one per share of the budget);
    /// `meetsBudget` tells whether an evaluation's estimate meets the budget. `note` hears of
    /// each answer that is not its search's most accurate contender.
    public init(_ result: PatternSearch.Result, knapsack: [Evaluation], budget: Budget, selectionImages: Int,
                meetsBudget: (Evaluation) -> Bool, note: (String) -> Void = { _ in },
                selection: ([Evaluation]) throws -> [Double], measure: ([Evaluation]) throws -> [TurnLatency]) throws {
        var limit: Double?
        if case .latency(let ms) = budget { limit = ms }
        self.limit = limit
        func contenders(_ evaluations: [Evaluation], _ choice: Evaluation) -> [Evaluation] {
            var within = Array(evaluations.filter(meetsBudget).distinctConfigurations
                .sorted { $0.top1 != $1.top1 ? $0.top1 > $1.top1 : $0.reward > $1.reward }.prefix(Self.mostAccurate))
            if let limit { within += PatternSearch.mostAccurate(evaluations, within: Self.sharesOfBudget.map { $0 * limit }) }
            within = within.distinctConfigurations
            return within.isEmpty ? [choice] : within
        }
        let agent = contenders(result.agent, result.best), uniform = contenders(result.uniformAll, result.uniform)
        let random = contenders(result.randomAll, result.random), planned = knapsack.distinctConfigurations
        let measured = (agent + uniform + random + planned + result.atUniformLatency + [result.atRandomLatency].compactMap { $0 })
            .distinctConfigurations
        selectionTop1 = Dictionary(uniqueKeysWithValues: zip(measured.map(\.choices), try selection(measured)))
        latency = Dictionary(uniqueKeysWithValues: zip(measured.map(\.choices), try measure(measured)))

        let (latency, accuracy) = (self.latency, selectionTop1)
        let oneImage = 1 / Double(max(1, selectionImages)) + 1e-12
        func answer(_ name: String, _ contenders: [Evaluation]) -> Evaluation {
            let within = contenders.filter { limit == nil || latency[$0.choices]!.median <= limit! }
            let chosen: Evaluation
            if within.isEmpty {
                chosen = contenders.min { latency[$0.choices]!.median < latency[$1.choices]!.median }!
                note(String(format: "%@: none of its %d most accurate configurations measured within the budget; the answer is the fastest (%.3f ms)",
                            name, contenders.count, latency[chosen.choices]!.median))
            } else {
                let top = within.map { accuracy[$0.choices]! }.max()!
                chosen = within.filter { accuracy[$0.choices]! >= top - oneImage }
                    .min { latency[$0.choices]!.median < latency[$1.choices]!.median }!
            }
            if chosen.choices != contenders[0].choices {
                note(String(format: "%@: of its %d most accurate configurations, the answer is the fastest within one selection image of the most accurate "
                            + "that measured within the budget (top-1 %.4f on the reward part, %.4f on the selection part, %.3f ms)",
                            name, contenders.count, chosen.top1, accuracy[chosen.choices]!, latency[chosen.choices]!.median))
            }
            return chosen
        }
        self.agent = answer("agent", agent)
        self.uniform = answer("best uniform", uniform)
        self.random = answer("random search", random)
        self.knapsack = answer("knapsack", planned)
        let best = self.agent
        let agentMeasured = measured.filter { e in result.agent.contains { $0.choices == e.choices } && e.choices != best.choices }
        func mostAccurate(_ evaluations: [Evaluation]) -> Evaluation? {
            evaluations.max { a, b in
                let (x, y) = (accuracy[a.choices]!, accuracy[b.choices]!)
                return x != y ? x < y : latency[a.choices]!.median > latency[b.choices]!.median
            }
        }
        func atLatency(of baseline: Evaluation) -> Evaluation? {
            let turns = latency[baseline.choices]!
            return mostAccurate(agentMeasured.filter { latency[$0.choices]!.median <= turns.median })
                ?? mostAccurate(agentMeasured.filter { !latency[$0.choices]!.isSlower(than: turns) })
        }
        atUniform = atLatency(of: self.uniform)
        atRandom = atLatency(of: self.random)
        atKnapsack = atLatency(of: self.knapsack)
    }

    /// The better of the agent's and the knapsack planner's answers, by the same rule (of those
    /// that measure within the budget, the fastest within one selection image of the more
    /// accurate), and its method.
    public func final(selectionImages: Int) -> (answer: Evaluation, method: String) {
        let oneImage = 1 / Double(max(1, selectionImages)) + 1e-12
        if let limit {
            let (agentFits, knapsackFits) = (latency[agent.choices]!.median <= limit, latency[knapsack.choices]!.median <= limit)
            if agentFits != knapsackFits { return agentFits ? (agent, "agent") : (knapsack, "knapsack") }
        }
        let (a, k) = (selectionTop1[agent.choices]!, selectionTop1[knapsack.choices]!)
        if abs(a - k) <= oneImage {
            return latency[knapsack.choices]!.median < latency[agent.choices]!.median ? (knapsack, "knapsack") : (agent, "agent")
        }
        return a > k ? (agent, "agent") : (knapsack, "knapsack")
    }
}
