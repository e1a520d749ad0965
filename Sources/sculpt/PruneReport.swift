import Foundation
import SculptSearch

/// `report.json`, `report.md` and `plot.svg` of `sculpt prune` (keys per DESIGN.md's contract).
struct PruneReport: Encodable {
    struct Entry: Encodable {
        /// On the calibration data, recovered.
        var top1: Double
        /// On the held-out data (`--test-data`).
        var top1HeldOut: Double?
        /// End to end, measured in turns with the other entries.
        var latency: TurnLatency
        /// Sum of the measured layers plus the rest of the model and `conversionsMs`.
        var latencyMsEstimated: Double
        /// What the layout conversions it makes beyond the dense model's cost (estimated).
        var conversionsMs: Double
        var macs: Int
        var reward: Double

        init(_ e: Evaluation, measured: TurnLatency, heldOut: Double?, conversionsMs: Double) {
            top1 = e.top1
            top1HeldOut = heldOut
            latency = measured
            latencyMsEstimated = e.latencyMs
            self.conversionsMs = conversionsMs
            macs = e.macs
            reward = e.reward
        }

        enum CodingKeys: String, CodingKey {
            case top1, top1HeldOut = "top1_heldout", latencyMs = "latency_ms", turns = "latency_ms_turns"
            case latencyMsEstimated = "latency_ms_estimated", conversionsMs = "conversions_ms", macs, reward
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(top1, forKey: .top1)
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
    struct RecoveryStep: Encodable {
        var step: String
        var top1: Double
        var top1HeldOut: Double?

        enum CodingKeys: String, CodingKey { case step, top1, top1HeldOut = "top1_heldout" }
    }

    struct Layer: Encodable { var name: String; var pattern: String }

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
    var denseTop1: Double
    var denseTop1HeldOut: Double?
    var denseLatencyMs: Double
    var denseMACs: Int
    /// How fast the device ran the layers at the start against its profile, and the rest of the
    /// model in those terms (`PruningEnvironment.pace`, `remainder`).
    var pace: Double
    var restMs: Double
    var final: Entry
    var uniform: Entry
    var random: Entry
    /// The agent's answer at the best uniform configuration's latency, when that is not `final`:
    /// of its most accurate configurations at and under that estimated latency, the most accurate
    /// that the device measured no slower than the uniform one.
    var atUniformLatency: Entry?
    /// The agent's most accurate configuration at no more estimated latency than random search's
    /// answer, when that is not `final`.
    var atRandomLatency: Entry?
    var recovery: [RecoveryStep]
    /// Every configuration evaluated: the agent's episodes, the uniform ones, random search's.
    var evaluations: [String: [Evaluation]]
    var layers: [Layer]
    var seconds: [String: Double]

    enum CodingKeys: String, CodingKey {
        case model, data, testData = "test_data", device, budget, episodes, agentEpisodes = "agent_episodes"
        case heldToUniformLatency = "agent_episodes_at_uniform_latency", seed, dense, final
        case atUniformLatency = "agent_at_uniform_latency", atRandomLatency = "agent_at_random_latency"
        case baselines, recovery, evaluations, layers, seconds
    }

    func encode(to encoder: Encoder) throws {
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
        try c.encode(["top1": denseTop1, "top1_heldout": denseTop1HeldOut, "latency_ms": denseLatencyMs, "macs": Double(denseMACs),
                      "pace": pace, "rest_ms": restMs]
            .compactMapValues { $0 }, forKey: .dense)
        try c.encode(final, forKey: .final)
        try c.encodeIfPresent(atUniformLatency, forKey: .atUniformLatency)
        try c.encodeIfPresent(atRandomLatency, forKey: .atRandomLatency)
        try c.encode(["uniform": uniform, "random": random], forKey: .baselines)
        try c.encode(recovery, forKey: .recovery)
        try c.encode(evaluations, forKey: .evaluations)
        try c.encode(layers, forKey: .layers)
        try c.encode(seconds, forKey: .seconds)
    }

    var summary: String {
        let heldOut = testData != nil
        func top1(_ calibration: Double, _ heldOutTop1: Double?) -> String {
            String(format: "%.4f", calibration) + (heldOutTop1.map { String(format: " | %.4f", $0) } ?? "")
        }
        func line(_ name: String, _ e: Entry) -> String {
            "| \(name) | \(top1(e.top1, e.top1HeldOut)) | "
                + String(format: "%.3f (%.3f–%.3f) | %.3f | ", e.latency.median, e.latency.turns.min()!, e.latency.turns.max()!, e.latencyMsEstimated)
                + grouped(e.macs) + " |"
        }
        return """
            | configuration | top-1\(heldOut ? " (calibration) | top-1 (held-out)" : "") | latency ms measured (turns' range) | latency ms (estimated) | MACs |
            |---|---:|\(heldOut ? "---:|" : "")---:|---:|---:|
            | dense | \(top1(denseTop1, denseTop1HeldOut)) | \(String(format: "%.3f", denseLatencyMs)) | – | \(grouped(denseMACs)) |
            \(line("agent", final))
            \(line("best uniform", uniform))
            \(line("random search", random))
            """ + (atUniformLatency.map { "\n" + line("agent at the uniform's latency", $0) } ?? "")
            + (atRandomLatency.map { "\n" + line("agent at random search's latency", $0) } ?? "")
    }

    /// Whether the agent is more accurate than each baseline at no more measured latency.
    var verdict: String {
        func compare(_ agent: Entry, _ name: String, _ e: Entry) -> String {
            let accuracy = agent.top1 > e.top1 ? "more accurate than" : agent.top1 == e.top1 ? "as accurate as" : "less accurate than"
            return "\(accuracy) \(name) on the calibration data, \(agent.latency.comparison(with: e.latency)) measured end to end."
        }
        var lines = ["- Agent: " + compare(final, "the best uniform configuration", uniform),
                     "- Agent: " + compare(final, "random search", random)]
        if let atUniformLatency {
            lines.append("- Agent at the uniform's latency: " + compare(atUniformLatency, "the best uniform configuration", uniform))
        }
        if let atRandomLatency {
            lines.append("- Agent at random search's latency: " + compare(atRandomLatency, "random search", random))
        }
        return lines.joined(separator: "\n")
    }

    func write(to directory: URL, result: PatternSearch.Result, chosen: Evaluation) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: directory.appendingPathComponent("report.json"))
        let error = (final.latencyMsEstimated - final.latency.median) / final.latency.median * 100
        let markdown = """
            # Pruning report: \(model)

            Budget: \(budgetText). Calibration data: \(data)\(testData.map { "; held-out data: \($0)" } ?? ""). Device: \(device). The agent evaluated up to \(episodes) configurations in \(agentEpisodes) episodes, seed \(seed)\(heldToUniformLatency == 0 ? "" : ", then ran \(heldToUniformLatency) more held to (and under) the best uniform configuration's latency").

            \(summary)

            \(verdict)

            The agent's end-to-end latency estimate (sum of the measured layers, scaled by \(String(format: "%.2f", pace)) to the
            device's pace at the start, plus \(String(format: "%.3f", restMs)) ms for the rest of the model and
            \(String(format: "%+.3f", final.conversionsMs)) ms for the layout conversions between its layers beyond the dense
            model's) is off by \(String(format: "%+.1f", error)) % from the measured end-to-end latency.

            ## Recovery of the chosen configuration

            | step | top-1\(testData != nil ? " (calibration) | top-1 (held-out)" : "") |
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
        let plot = ScatterPlot(title: "Top-1 against estimated latency", xLabel: "latency (ms, estimated)", yLabel: "top-1 (calibration)",
                               series: [
                                   .init(name: "random search", color: "#999999", points: result.randomAll.map { ($0.latencyMs, $0.top1) }),
                                   .init(name: "agent", color: "#1f77b4", points: result.agent.map { ($0.latencyMs, $0.top1) }),
                                   .init(name: "uniform", color: "#ff7f0e", points: result.uniformAll.map { ($0.latencyMs, $0.top1) }, radius: 5),
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
