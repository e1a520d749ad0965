import Foundation
import SculptData
import SculptGraph
import SculptProfiles
import SculptSearch
import SculptTestSupport
import Testing

/// The whole `sculpt prune` pipeline without the CLI: on the bundled example, measured on this
/// machine into a real profile store.
@Suite struct PipelineTests {
    /// Every phase runs and says its progress, the knapsack planner and the selection split are
    /// in the report, the answer meets the MACs budget and is the better of the agent's and the
    /// planner's, and DIR holds what `sculpt apply` writes plus the report.
    @Test func wholeSearchWritesTheAnswerAndTheReport() throws {
        try withTemporaryDirectory { directory in
            let model = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
            let calibration = try LabelledData(contentsOf: Repository.path("examples/mnist/calib.npz"))
            var settings = PrunePipeline.Settings(modelName: "examples/mnist/model.onnx", dataName: "examples/mnist/calib.npz",
                                                  deviceName: "local", budget: .macs(0.6))
            settings.episodes = 8
            settings.recoveryImages = 16
            let lines = Lines()
            let pipeline = try PrunePipeline(dense: model, calibration: calibration, heldOut: nil, settings: settings,
                                             source: try LocalProfiler(store: ProfileStore(path: directory.file("profiles.sqlite").path)),
                                             log: { lines.append($0) })
            let out = directory.file("out")
            let report = try #require(try pipeline.run(to: out))
            for file in ["pruned.onnx", "pruned.sculpt", "masks.npz", "config.json", "report.json", "report.md", "plot.svg"] {
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(file).path), "\(file)")
            }
            for phase in ["latency table: ", "layers alone, in turns: 5/5", "candidates alone: ",
                          "contenders evaluated: ", "end-to-end measurements: "] {
                #expect(lines.all.contains { $0.contains(phase) && $0.contains("done in") }, "\(phase)")
            }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any])
            let dense = try #require(json["dense"] as? [String: Any])
            let baselines = try #require(json["baselines"] as? [String: [String: Any]])
            let final = try #require(json["final"] as? [String: Any]), method = try #require(json["final_method"] as? String)
            #expect(json["reward_images"] as? Int == 384 && json["selection_images"] as? Int == 128)
            #expect((final["macs"] as? Int ?? .max) <= Int(0.6 * (dense["macs"] as? Double ?? 0)))
            let agent = try #require(json["agent"] as? [String: Any]), knapsack = try #require(baselines["knapsack"])
            #expect(final["top1_selection"] as? Double == (method == "agent" ? agent : knapsack)["top1_selection"] as? Double)
            #expect((final["top1_selection"] as? Double ?? 0) >= max(agent["top1_selection"] as? Double ?? 1, knapsack["top1_selection"] as? Double ?? 1) - 1.0 / 128 - 1e-9)
            let seconds = try #require(json["seconds"] as? [String: Double])
            for phase in ["latency_table", "dense_turns", "layer_costs", "knapsack", "search_and_baselines", "answers", "outputs"] {
                #expect(seconds[phase] != nil, "\(phase)")
            }
            #expect(report.summary.contains("| knapsack planner | ") && report.summary.contains("top-1 (selection)"))
        }
    }
}

/// The log lines a pipeline wrote.
private final class Lines: @unchecked Sendable {
    private(set) var all = [String]()
    func append(_ line: String) { all.append(line) }
}
