/// Each search's answer as the device measures it end to end.
///
/// The searches go by estimates (measured layers, summed), which are off by a few percent
/// (−4 … +8 % on a quiet host): as much as configurations near the budget differ. So under a
/// latency budget each search's most accurate configuration within each of a few shares of the
/// budget, by the estimate, is measured end to end, all in the same turns, and the search's
/// answer is the most accurate of them that measures within the budget (on ccexam the agent's
/// most accurate by the estimate measured 1.2 % over it). Under a MACs budget, which is exact,
/// the answers are the searches' own. The agent's answer at a baseline's latency is, of its
/// measured configurations, the most accurate that measures no slower than the baseline's
/// answer; failing that, the most accurate that is not slower beyond the turns' spread. The
/// report shows these same measurements: every search is chosen among as many by the same
/// rule, so none is favoured by the noise it was chosen on.
public struct MeasuredAnswers {
    public var best: Evaluation
    public var uniform: Evaluation
    public var random: Evaluation
    public var atUniform: Evaluation?
    public var atRandom: Evaluation?
    /// The end-to-end latency of every configuration measured, by its choices.
    public var latency: [[Int]: TurnLatency]

    /// The shares of a latency budget within which each search's most accurate configuration is measured.
    public static let sharesOfBudget = [1, 0.97, 0.94]

    /// Measures (`measure`: end to end, in the same turns, in the order given) and chooses;
    /// `note` hears of each answer that differs from its search's choice by the estimate.
    public init(_ result: PatternSearch.Result, budget: Budget, note: (String) -> Void = { _ in },
                measure: ([Evaluation]) throws -> [TurnLatency]) throws {
        var limit: Double?
        if case .latency(let ms) = budget { limit = ms }
        func contenders(_ evaluations: [Evaluation], _ choice: Evaluation) -> [Evaluation] {
            guard let limit else { return [choice] }
            let within = PatternSearch.mostAccurate(evaluations, within: Self.sharesOfBudget.map { $0 * limit })
            return within.isEmpty ? [choice] : within
        }
        let agent = contenders(result.agent, result.best), uniform = contenders(result.uniformAll, result.uniform)
        let random = contenders(result.randomAll, result.random)
        let measured = (agent + uniform + random + result.atUniformLatency + [result.atRandomLatency].compactMap { $0 }).distinctConfigurations
        latency = Dictionary(uniqueKeysWithValues: zip(measured.map(\.choices), try measure(measured)))

        let latency = self.latency
        func answer(_ name: String, _ contenders: [Evaluation]) -> Evaluation {
            let chosen = contenders.first { limit == nil || latency[$0.choices]!.median <= limit! } ?? contenders[0]
            if chosen.choices != contenders[0].choices {
                note(String(format: "%@: the most accurate configuration by the estimate (top-1 %.4f) measured %.3f ms, over the budget; "
                            + "the answer is the most accurate that measured within it (top-1 %.4f, %.3f ms)", name, contenders[0].top1,
                            latency[contenders[0].choices]!.median, chosen.top1, latency[chosen.choices]!.median))
            }
            return chosen
        }
        best = answer("agent", agent)
        self.uniform = answer("best uniform", uniform)
        self.random = answer("random search", random)
        let agentMeasured = measured.filter { e in result.agent.contains { $0.choices == e.choices } && e.choices != best.choices }
        func atLatency(of baseline: Evaluation) -> Evaluation? {
            let turns = latency[baseline.choices]!
            return PatternSearch.mostAccurate(agentMeasured.filter { latency[$0.choices]!.median <= turns.median })
                ?? PatternSearch.mostAccurate(agentMeasured.filter { !latency[$0.choices]!.isSlower(than: turns) })
        }
        atUniform = atLatency(of: self.uniform)
        atRandom = atLatency(of: self.random)
    }
}
