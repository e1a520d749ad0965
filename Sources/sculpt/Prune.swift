import ArgumentParser
import Foundation
import SculptData
import SculptProfiles
import SculptSearch

/// `sculpt prune`: the hardware-aware search, from a dense model to a pruned one and a report.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search a pruning configuration for this device with the PPO agent.",
        discussion: """
            Measures the latency of every (layer, candidate pattern) pair on the device, and the \
            accuracy cost of every candidate applied alone. Then the agent chooses a pattern per \
            layer, episode after episode, within the budget: the measured latency against \
            --target-latency (or the MACs against --target-macs). It is rewarded by top-1 on the \
            reward part of the calibration data (--data, less --selection-share of it):
              reward = top1 − 2 · max(0, cost / target − 1)
            (equally accurate configurations ordered by their confidence in the true class). The \
            agent runs until it has evaluated --episodes distinct configurations. Baselines, \
            with as many evaluations: the best uniform configuration, random search, and a \
            knapsack planner (the configuration of least summed accuracy cost within the budget). \
            Each search's most accurate configurations are then measured end to end on the device \
            and evaluated on the selection part; a search's answer is, of those that measure \
            within the budget, the fastest within one selection image of the most accurate. The \
            answer written is the better of the agent's and the planner's. Writes to DIR what \
            `sculpt apply` writes (its config.json reproduces the result), plus report.json, \
            report.md and plot.svg. Progress with an ETA goes to stderr. Ctrl-C saves a checkpoint \
            in DIR; the same command with --resume continues where it stopped.
            """)

    @OptionGroup var model: ModelArgument

    @Option(help: "Calibration data: .npz with arrays x (N×C×H×W float32) and y (N integers).")
    var data: String

    @Option(name: .customLong("test-data"),
            help: "Held-out data (.npz, same array names): the report gives each result's top-1 on it too.")
    var testData: String?

    @Option(name: .customLong("x-name"), help: "Name of the image array in the .npz.")
    var xName = "x"

    @Option(name: .customLong("y-name"), help: "Name of the label array in the .npz.")
    var yName = "y"

    @OptionGroup var device: DeviceOptions

    @Option(name: .customLong("target-latency"), help: "Latency budget in milliseconds (end to end, estimated from measured layers).")
    var targetLatency: Double?

    @Option(name: .customLong("target-macs"), help: "MAC budget as a share of the dense model's (0 < RATIO ≤ 1).")
    var targetMACs: Double?

    @Option(help: "The directory to write the pruned model and the report to.")
    var out: String

    @Option(help: "The agent's budget: distinct configurations it evaluates (repeats are free).")
    var episodes = 200

    @Option(help: "Seed of the agent and of random search: the same seed repeats the run.")
    var seed: UInt64 = 0

    @Option(help: "Threads to measure and run the model on.")
    var threads = 1

    @Flag(help: "Continue the search interrupted in --out (the other options must be the same).")
    var resume = false

    @Option(name: .customLong("selection-share"),
            help: "Share of the calibration images kept from the reward, to choose each search's answer among its best configurations (0: none kept).")
    var selectionShare = 0.25

    @Option(name: .customLong("recovery-images"),
            help: "Calibration images each configuration is recovered on (BatchNorm statistics, then layer-wise least squares); 0 turns recovery off.")
    var recoveryImages = 64

    func validate() throws {
        guard (targetLatency == nil) != (targetMACs == nil) else {
            throw ValidationError("give exactly one of --target-latency and --target-macs")
        }
        if let t = targetLatency, !(t > 0) { throw ValidationError("--target-latency must be positive") }
        if let r = targetMACs, !(r > 0 && r <= 1) { throw ValidationError("--target-macs must be in (0, 1]") }
        guard episodes >= 1, threads >= 1 else { throw ValidationError("--episodes and --threads must be at least 1") }
        guard selectionShare >= 0, selectionShare < 1 else { throw ValidationError("--selection-share must be in [0, 1)") }
    }

    func run() throws {
        guard URL(fileURLWithPath: model.model).pathExtension == "onnx" else { throw CommandError("\(model.model): prune reads an .onnx model") }
        let dense = try model.load(freeingBatch: true).model
        let calibration = try LabelledData(contentsOf: URL(fileURLWithPath: data), xName: xName, yName: yName)
        let heldOut = try testData.map { try LabelledData(contentsOf: URL(fileURLWithPath: $0), xName: xName, yName: yName) }
        var settings = PrunePipeline.Settings(modelName: model.model, dataName: data, testDataName: testData, deviceName: device.device,
                                              budget: targetLatency.map { .latency($0) } ?? .macs(targetMACs!))
        settings.episodes = episodes
        settings.seed = seed
        settings.threads = threads
        settings.recoveryImages = recoveryImages
        settings.selectionShare = selectionShare
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do {
            let pipeline = try PrunePipeline(dense: dense, calibration: calibration, heldOut: heldOut, settings: settings,
                                             source: try device.source(), log: log)
            let resumed = resume ? try PruneCheckpoint.read(from: directory) : nil
            catchInterruption()
            guard let report = try pipeline.run(to: directory, resuming: resumed, shouldStop: { interruption.load(ordering: .relaxed) }) else {
                throw ExitCode(130)
            }
            print(report.summary)
        } catch let error as PipelineError {
            throw CommandError(error.description)
        } catch let error as EvaluationError {
            throw CommandError(error.description)
        }
    }
}
