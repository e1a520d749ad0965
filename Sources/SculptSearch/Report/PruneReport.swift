import Foundation

/// `report.json`, `report.md` and `plot.svg` of `sculpt prune` (keys per DESIGN.md's contract).
public struct PruneReport: Encodable {
    /// One answer: its accuracies, its measured and estimated latency, its costs.
    public struct Entry: Encodable {
        /// On the reward part of the calibration data, recovered.
        public var top1: Double
        /// On the selection part (the reward part's when there is none).
        public var top1Selection: Double
        /// On the held-out data (`--test-data`).
        public var top1HeldOut: Double?
        /// End to end, measured in turns with the other entries.
        public var latency: TurnLatency
        /// Sum of the measured layers plus the rest of the model and `conversionsMs`.
        var latencyMsEstimated: Double
        /// What the layout conversions it makes beyond the dense model's cost (estimated).
        var conversionsMs: Double
        var macs: Int
        var reward: Double

        init(_ e: Evaluation, measured: TurnLatency, selection: Double, heldOut: Double?, conversionsMs: Double) {
            top1 = e.top1
            top1Selection = selection
            top1HeldOut = heldOut
            latency = measured
            latencyMsEstimated = e.latencyMs
            self.conversionsMs = conversionsMs
            macs = e.macs
            reward = e.reward
        }

        enum CodingKeys: String, CodingKey {
            case top1, top1Selection = "top1_selection", top1HeldOut = "top1_heldout", latencyMs = "latency_ms", turns = "latency_ms_turns"
            case latencyMsEstimated = "latency_ms_estimated", conversionsMs = "conversions_ms", macs, reward
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(top1, forKey: .top1)
            try c.encode(top1Selection, forKey: .top1Selection)
            try c.encodeIfPresent(top1HeldOut, forKey: .top1HeldOut)
            try c.encode(latency.median, forKey: .latencyMs)
            try c.encode(latency.turns, forKey: .turns)
            try c.encode(latencyMsEstimated, forKey: .latencyMsEstimated)
            try c.encode(conversionsMs, forKey: .conversionsMs)
            try c.encode(macs, forKey: .macs)
            try c.encode(reward, forKey: .reward)
        }
    }

    /// The chosen configuration's top-1 after each recovery step.
    public struct RecoveryStep: Encodable {
        var step: String
        var top1: Double
        var top1HeldOut: Double?

        enum CodingKeys: String, CodingKey { case step, top1, top1HeldOut = "top1_heldout" }
    }

    public struct Layer: Encodable { var name: String; var pattern: String }

    var model: String
    var data: String
    var testData: String?
    var device: String
    var budget: Budget
    /// The agent's budget of distinct configurations, and the episodes it took to evaluate them.
    var episodes: Int
    var agentEpisodes: Int
    /// Episodes of the trained policy held to (and under) the best uniform configuration's latency, after them.
    var heldToUniformLatency: Int
    var seed: UInt64
    /// Calibration images the reward saw, and those that chose the answers (0: the reward's chose them).
    var rewardImages: Int
    var selectionImages: Int
    var denseTop1: Double
    var denseTop1Selection: Double
    var denseTop1HeldOut: Double?
    var denseLatencyMs: Double
    var denseMACs: Int
    /// How fast the device ran the layers at the start against its profile, and the rest of the
    /// model in those terms (`PruningEnvironment.pace`, `remainder`).
    var pace: Double
    var restMs: Double
    /// The better of the agent's and the knapsack planner's answers (`MeasuredAnswers.final`), and which it is.
    public var final: Entry
    var finalMethod: String
    public var agent: Entry
    public var uniform: Entry
    public var random: Entry
    public var knapsack: Entry
    /// The agent's answers at each baseline's measured latency (`MeasuredAnswers.atUniform`, …).
    var atUniformLatency: Entry?
    var atRandomLatency: Entry?
    var atKnapsackLatency: Entry?
    var recovery: [RecoveryStep]
    /// Every configuration evaluated: the agent's episodes, the uniform ones, random search's, the knapsack planner's.
    var evaluations: [String: [Evaluation]]
    /// Evaluations of single candidates alone (the knapsack planner's accuracy costs).
    var layerCostEvaluations: Int
    var layers: [Layer]
    var seconds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case model, data, testData = "test_data", device, budget, episodes, agentEpisodes = "agent_episodes"
        case heldToUniformLatency = "agent_episodes_at_uniform_latency", seed, dense, final, finalMethod = "final_method", agent
        case rewardImages = "reward_images", selectionImages = "selection_images"
        case atUniformLatency = "agent_at_uniform_latency", atRandomLatency = "agent_at_random_latency"
        case atKnapsackLatency = "agent_at_knapsack_latency", layerCostEvaluations = "layer_cost_evaluations"
        case baselines, recovery, evaluations, layers, seconds
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(data, forKey: .data)
        try c.encodeIfPresent(testData, forKey: .testData)
        try c.encode(device, forKey: .device)
        try c.encode(budget.json, forKey: .budget)
        try c.encode(episodes, forKey: .episodes)
        try c.encode(agentEpisodes, forKey: .agentEpisodes)
        try c.encode(heldToUniformLatency, forKey: .heldToUniformLatency)
        try c.encode(seed, forKey: .seed)
        try c.encode(rewardImages, forKey: .rewardImages)
        try c.encode(selectionImages, forKey: .selectionImages)
        try c.encode(["top1": denseTop1, "top1_selection": denseTop1Selection, "top1_heldout": denseTop1HeldOut, "latency_ms": denseLatencyMs, "macs": Double(denseMACs),
                      "pace": pace, "rest_ms": restMs]
            .compactMapValues { $0 }, forKey: .dense)
        try c.encode(final, forKey: .final)
        try c.encode(finalMethod, forKey: .finalMethod)
        try c.encode(agent, forKey: .agent)
        try c.encodeIfPresent(atUniformLatency, forKey: .atUniformLatency)
        try c.encodeIfPresent(atRandomLatency, forKey: .atRandomLatency)
        try c.encodeIfPresent(atKnapsackLatency, forKey: .atKnapsackLatency)
        try c.encode(["uniform": uniform, "random": random, "knapsack": knapsack], forKey: .baselines)
        try c.encode(recovery, forKey: .recovery)
        try c.encode(evaluations, forKey: .evaluations)
        try c.encode(layerCostEvaluations, forKey: .layerCostEvaluations)
        try c.encode(layers, forKey: .layers)
        try c.encode(seconds, forKey: .seconds)
    }

    /// The table of answers: top-1 on each part of the data, latency measured and estimated, MACs.
    public var summary: String {
        let heldOut = testData != nil, selection = selectionImages > 0
        func top1(_ reward: Double, _ selectionTop1: Double, _ heldOutTop1: Double?) -> String {
            String(format: "%.4f", reward) + (selection ? String(format: " | %.4f", selectionTop1) : "")
                + (heldOut ? heldOutTop1.map { String(format: " | %.4f", $0) } ?? " | –" : "")
        }
        func line(_ name: String, _ e: Entry) -> String {
            "| \(name) | \(top1(e.top1, e.top1Selection, e.top1HeldOut)) | "
                + String(format: "%.3f (%.3f–%.3f) | %.3f | ", e.latency.median, e.latency.turns.min()!, e.latency.turns.max()!, e.latencyMsEstimated)
                + grouped(e.macs) + " |"
        }
        let header = "| configuration | top-1 (reward)" + (selection ? " | top-1 (selection)" : "") + (heldOut ? " | top-1 (held-out)" : "")
            + " | latency ms measured (turns' range) | latency ms (estimated) | MACs |"
        let rule = "|---|---:|" + (selection ? "---:|" : "") + (heldOut ? "---:|" : "") + "---:|---:|---:|"
        let dense = "| dense | \(top1(denseTop1, denseTop1Selection, denseTop1HeldOut)) | \(String(format: "%.3f", denseLatencyMs)) | – | \(grouped(denseMACs)) |"
        let rows = [line("**answer** (\(finalMethod))", final), line("agent", agent), line("knapsack planner", knapsack),
                    line("best uniform", uniform), line("random search", random)]
            + [("agent at the uniform's latency", atUniformLatency), ("agent at random search's latency", atRandomLatency),
               ("agent at the knapsack's latency", atKnapsackLatency)].compactMap { name, e in e.map { line(name, $0) } }
        return ([header, rule, dense] + rows).joined(separator: "\n")
    }

    /// Whether the agent is more accurate than each baseline at no more measured latency, on the
    /// images that count most: held-out when given, else the selection part.
    var verdict: String {
        let part = testData != nil ? "held-out" : selectionImages > 0 ? "selection" : "reward"
        func accuracy(_ e: Entry) -> Double { testData != nil ? e.top1HeldOut ?? e.top1Selection : e.top1Selection }
        func compare(_ agent: Entry, _ name: String, _ e: Entry) -> String {
            let (a, b) = (accuracy(agent), accuracy(e))
            let verdict = a > b ? "more accurate than" : a == b ? "as accurate as" : "less accurate than"
            return "\(verdict) \(name) on the \(part) images, \(agent.latency.comparison(with: e.latency)) measured end to end."
        }
        var lines = [("knapsack planner", knapsack, atKnapsackLatency), ("the best uniform configuration", uniform, atUniformLatency),
                     ("random search", random, atRandomLatency)].flatMap { name, baseline, atLatency in
            ["- Agent: " + compare(agent, name, baseline)] + (atLatency.map { ["- Agent at its latency: " + compare($0, name, baseline)] } ?? [])
        }
        lines.append("- Knapsack planner: " + compare(knapsack, "the best uniform configuration", uniform))
        return lines.joined(separator: "\n")
    }

    /// Writes report.json, report.md and plot.svg to `directory`.
    func write(to directory: URL, result: PatternSearch.Result, knapsack: [Evaluation], chosen: Evaluation) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("report.json"))
        let error = (final.latencyMsEstimated - final.latency.median) / final.latency.median * 100
        let markdown = """
            # Pruning report: \(model)

            Budget: \(budgetText). Calibration data: \(data) (\(rewardImages) images for the reward\(selectionImages > 0 ? ", \(selectionImages) to choose each search's answer" : "")\(testData.map { "); held-out data: \($0)" } ?? ")"). Device: \(device). The agent evaluated up to \(episodes) configurations in \(agentEpisodes) episodes, seed \(seed)\(heldToUniformLatency == 0 ? "" : ", then ran \(heldToUniformLatency) more held to (and under) the best uniform configuration's latency").

            \(summary)

            \(verdict)

            The answer is the \(finalMethod == "agent" ? "agent's" : "knapsack planner's"), the better of the two on the \(selectionImages > 0 ? "selection" : "reward") images (of equals within one image, the faster). The knapsack planner priced \(layerCostEvaluations) candidates alone.

            The answer's end-to-end latency estimate (sum of the measured layers, scaled by \(String(format: "%.2f", pace)) to the
            device's pace at the start, plus \(String(format: "%.3f", restMs)) ms for the rest of the model and
            \(String(format: "%+.3f", final.conversionsMs)) ms for the layout conversions between its layers beyond the dense
            model's) is off by \(String(format: "%+.1f", error)) % from the measured end-to-end latency.

            ## Recovery of the chosen configuration

            | step | top-1\(testData != nil ? " (reward part) | top-1 (held-out)" : "") |
            |---|---:|\(testData != nil ? "---:|" : "")
            \(recovery.map { "| \($0.step) | " + String(format: "%.4f", $0.top1) + ($0.top1HeldOut.map { String(format: " | %.4f", $0) } ?? "") + " |" }.joined(separator: "\n"))

            ## Layers

            | layer | pattern |
            |---|---|
            \(layers.map { "| \($0.name) | \($0.pattern) |" }.joined(separator: "\n"))

            ## Time

            \(seconds.sorted { $0.key < $1.key }.map { String(format: "- %@: %.1f s", $0.key, $0.value) }.joined(separator: "\n"))

            ![accuracy against latency](plot.svg)
            """
        try Data((markdown + "\n").utf8).write(to: directory.appendingPathComponent("report.md"))
        let plot = ScatterPlot(title: "Top-1 against estimated latency", xLabel: "latency (ms, estimated)", yLabel: "top-1 (reward part)",
                               series: [
                                   .init(name: "random search", color: "#999999", points: result.randomAll.map { ($0.latencyMs, $0.top1) }),
                                   .init(name: "agent", color: "#1f77b4", points: result.agent.map { ($0.latencyMs, $0.top1) }),
                                   .init(name: "uniform", color: "#ff7f0e", points: result.uniformAll.map { ($0.latencyMs, $0.top1) }, radius: 5),
                                   .init(name: "knapsack", color: "#2ca02c", points: knapsack.map { ($0.latencyMs, $0.top1) }, radius: 5),
                                   .init(name: "chosen", color: "#d62728", points: [(chosen.latencyMs, chosen.top1)], radius: 7),
                               ])
        try Data(plot.svg().utf8).write(to: directory.appendingPathComponent("plot.svg"))
    }

    private var budgetText: String {
        switch budget {
        case .latency(let ms): String(format: "latency ≤ %.3f ms", ms)
        case .macs(let ratio): String(format: "MACs ≤ %.2f of the dense model's", ratio)
        }
    }
}

/// Formats an integer with thousands separators, for tables.
public func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, ch) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return (value < 0 ? "-" : "") + out
}
