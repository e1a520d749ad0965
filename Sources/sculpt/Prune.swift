import ArgumentParser
import Foundation
import SculptData
import SculptGraph
import SculptKernels
import SculptPatterns
import SculptProfiles
import SculptRuntime
import SculptSearch

/// `sculpt prune`: the hardware-aware search, from a dense model to a pruned one and a report.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Search a pruning configuration for this device with the PPO agent.",
        discussion: """
            Measures the latency of every (layer, candidate pattern) pair on the device, then lets \
            the agent choose a pattern per layer, episode after episode, within the budget: the \
            measured latency against --target-latency (or the MACs against --target-macs). It is \
            rewarded by top-1 accuracy on the calibration data (--data):
              reward = top1 − 2 · max(0, cost / target − 1)
            (equally accurate configurations ordered by their confidence in the true class; the \
            penalty only counts when no configuration meets the budget). The agent runs until it has \
            evaluated --episodes distinct configurations: an episode that repeats one costs nothing \
            and does not count (at most 4 episodes per evaluation in all). The best uniform \
            configuration and random search within the budget, with as many evaluations, are run \
            as baselines. Under a latency budget each search's few most accurate configurations \
            are then measured end to end, and its answer is the most accurate that the device \
            measures within the budget. Writes to DIR what `sculpt apply` writes (its \
            config.json reproduces the result), plus report.json, report.md and plot.svg (accuracy against latency of every \
            configuration evaluated). Progress goes to stderr. Ctrl-C saves a checkpoint in DIR; \
            the same command with --resume continues where it stopped.
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
    }

    func run() throws {
        guard URL(fileURLWithPath: model.model).pathExtension == "onnx" else { throw CommandError("\(model.model): prune reads an .onnx model") }
        let dense = try model.load().model
        let calibration = try LabelledData(contentsOf: URL(fileURLWithPath: data), xName: xName, yName: yName)
        let heldOut = try testData.map { try LabelledData(contentsOf: URL(fileURLWithPath: $0), xName: xName, yName: yName) }
        let budget: Budget = targetLatency.map { .latency($0) } ?? .macs(targetMACs!)
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let (layers, allowed) = try PruningEnvironment.decisions(of: dense)
        guard !layers.isEmpty else { throw CommandError("\(model.model): no layer that the search can prune") }
        let inputs = try LayerInputs(model: dense, layers: layers, allowed: allowed)
        let conversions = try LayoutConversions(model: dense, layers: layers, inputs: inputs)
        let options = PruneCheckpoint.Options(model: model.model, data: data, budget: budget.json, episodes: episodes, seed: seed,
                                              recoveryImages: recoveryImages)
        let resumed = resume ? try PruneCheckpoint.read(from: directory) : nil
        let source = try device.source()
        if let resumed, resumed.options != options {
            throw CommandError("\(PruneCheckpoint.url(in: directory).relativePath): the checkpoint was made with other options (\(resumed.options))")
        }
        let clock = Date(), denseChoices = [Int](repeating: 0, count: layers.count)
        let table: LatencyTable, denseSpecs: [KernelSpec]
        var denseTurns: [DenseTurn]
        if let resumed {
            (table, denseTurns, denseSpecs) = (resumed.latency, resumed.denseTurns, [])
            log("resuming after episode \(resumed.search.episodesDone)")
        } else {
            let requests = LatencyTable.requests(layers: layers, allowed: allowed, inputs: inputs.possible, threads: threads)
            let reorders = conversions.all()
            let specs = requests.map(\.spec) + reorders.map { $0.spec(threads: threads) }
            log("latency of \(requests.count) layer configurations and \(reorders.count) layout conversions on "
                + "\(device.device == "local" ? "this machine" : device.device) (\(threads) thread(s))")
            var medians = [Double](), cached = 0
            for chunk in chunks(specs) {
                let entries = try waitFor { try await source.measure(chunk) }
                medians += entries.map(\.statistics.medianMilliseconds)
                cached += entries.filter(\.cached).count
                log("  \(medians.count)/\(specs.count) (\(cached) of them from the profile cache)")
            }
            table = LatencyTable(layers: layers.count, requests: requests, medians: Array(medians.prefix(requests.count)),
                                 conversions: Dictionary(uniqueKeysWithValues: zip(reorders.map(\.key), medians.dropFirst(requests.count))))
            let denseInputs = inputs(denseChoices)
            denseSpecs = layers.indices.map { l in
                let own = requests.filter { $0.layer == l && $0.candidate == 0 }
                return (own.first { $0.input == denseInputs[l] } ?? own[0]).spec
            }
            log("the dense model end to end and its \(layers.count) layers alone, measured again in turns")
            denseTurns = try measureInTurns(try dense.serializedData(), layers: denseSpecs, source: source)
        }
        func searchEnvironment(_ turns: [DenseTurn]) throws -> PruningEnvironment {
            let environment = try PruningEnvironment(model: dense, calibration: calibration, budget: budget, latency: table, inputs: inputs,
                                                     conversions: conversions, denseEndToEndMs: turns.map(\.modelMs).median,
                                                     denseTurns: turns, recoveryImages: recoveryImages)
            log(String(format: "dense model: %.3f ms end to end, its layers %.3f ms alone (%.3f ms in the profile); the rest of the model: %.3f ms",
                       environment.denseLatencyMs, turns.map(\.layersMs).median,
                       table.total(denseChoices, inputs: inputs(denseChoices)), environment.remainderMs)
                + " (turns, model/layers: " + turns.map { String(format: "%.3f/%.3f", $0.modelMs, $0.layersMs) }.joined(separator: ", ") + ")")
            return environment
        }
        var environment = try searchEnvironment(denseTurns)
        // A slow phase of the device during the turns raises every estimate with it, and a tight
        // budget can look out of reach: on this project's host ResNet-20's rest came out 0.041 ms
        // instead of 0.000–0.007, and no configuration met 0.43 of its dense latency by the
        // estimates, while the cheapest one measured 15 % under it. Such phases often pass within minutes.
        if resumed == nil, case .latency = budget {
            for attempt in 1...2 where try environment.cheapestShare > 1 {
                log(String(format: "no configuration meets the budget by these turns (the cheapest costs %.2f times it): "
                           + "measuring the dense model again, in case the device was busy (%d of 2)", try environment.cheapestShare, attempt))
                denseTurns = try measureInTurns(try dense.serializedData(), layers: denseSpecs, source: source)
                environment = try searchEnvironment(denseTurns)
            }
        }
        let denseLatency = environment.denseLatencyMs
        if abs(environment.pace - 1) > 0.1 {
            // A profile measured under another load, or other conditions: say so, it is rescaled.
            log(String(format: "the device runs the layers %.2f times as fast as its profile says: every layer's latency is scaled by %.2f",
                       1 / environment.pace, environment.pace))
        }
        if try environment.cheapestShare > 1 {
            // Every episode then makes the same configuration: say so before spending them.
            var rest = ""
            if case .latency = budget {
                rest = String(format: " (%.3f ms of it is the rest of the model, besides the layers the search prunes)", environment.remainderMs)
            }
            log(String(format: "warning: no configuration meets the budget: the cheapest costs %.2f times it%@; the search returns the cheapest",
                       try environment.cheapestShare, rest))
        }
        // Recovered once per configuration: measured, then evaluated on the held-out data.
        var recovered = [[Int]: (Model, ModelMasks)]()
        func pruned(_ e: Evaluation) throws -> (Model, ModelMasks) {
            if let known = recovered[e.choices] { return known }
            let model = (try environment.prunedModel(e.choices), try environment.masks(e.choices))
            recovered[e.choices] = model
            return model
        }
        // Configurations measured end to end on the device, in turns (`endToEnd`), as .sculpt models.
        var measuringSeconds = Date().timeIntervalSince(clock)
        func measured(_ evaluations: [Evaluation], with others: [Data] = []) throws -> [TurnLatency] {
            let models = try evaluations.map { let (model, masks) = try pruned($0); return try SculptFile.serializedData(model, masks: masks) }
            let start = Date()
            defer { measuringSeconds += Date().timeIntervalSince(start) }
            return try endToEnd(models + others, source: source)
        }
        // The best uniform configuration's latency as the device measures it, in the estimates' terms:
        // measured with the dense model, in the same turns, as a share of the dense model's
        // latency at the start (whatever the device's pace now).
        func uniformLatency(_ uniform: Evaluation) throws -> Double {
            let timed = try measured([uniform], with: [try dense.serializedData()])
            return timed[0].median / timed[1].median * denseLatency
        }
        var settings = PatternSearch.Settings()
        settings.evaluations = episodes
        settings.seed = seed
        let search = PatternSearch(environment: environment, settings: settings, resuming: resumed?.search)
        let searchStart = Date(), startEvaluations = search.evaluated.count, startEpisode = search.episodesDone
        let episodeLimit = settings.episodeLimit
        log("searching until \(episodes) configurations are evaluated" + (resumed == nil ? "" : " (\(startEvaluations) already are)"))
        catchInterruption()
        let outcome = try search.run(progress: { episode, evaluations, best, latest in
            guard episode % settings.episodesPerUpdate == 0 || evaluations == episodes || episode == episodeLimit else { return }
            // The search ends at the budget of evaluations or at the limit of episodes, whichever comes first.
            let elapsed = Date().timeIntervalSince(searchStart)
            let eta = min(elapsed / Double(max(1, evaluations - startEvaluations)) * Double(episodes - evaluations),
                          elapsed / Double(episode - startEpisode) * Double(episodeLimit - episode))
            log(String(format: "episode %d, evaluated %d/%d  best reward %.4f (top-1 %.4f, %.3f ms)  latest top-1 %.4f, %.3f ms  ETA %.0f s",
                       episode, evaluations, episodes, best.reward, best.top1, best.latencyMs, latest.top1, latest.latencyMs, eta))
        }, note: { log($0) }, shouldStop: { interruption.load(ordering: .relaxed) }, uniformLatency: uniformLatency)
        guard var result = outcome else {
            try PruneCheckpoint(options: options, latency: table, denseTurns: denseTurns,
                                search: search.checkpoint()).write(to: directory)
            log("interrupted after episode \(search.episodesDone); checkpoint in \(PruneCheckpoint.url(in: directory).relativePath), continue with --resume")
            throw ExitCode(130)
        }
        try? FileManager.default.removeItem(at: PruneCheckpoint.url(in: directory))

        // The chosen configuration (recovered, as every evaluated one was) and the baselines:
        // end-to-end latency measured, top-1 on the held-out data.
        func heldOutTop1(_ model: Model, _ kernels: [String: ConvolutionKernel]) throws -> Double? {
            try heldOut.map { try Accuracy.evaluate(model, kernels: kernels, on: $0, dataName: testData!, batch: 256).top1 }
        }
        // Each search's answer, measured end to end (MeasuredAnswers): the report shows these measurements.
        let answers = try MeasuredAnswers(result, budget: budget, note: log) { contenders in
            log("measuring \(contenders.count) configurations end to end: each search's most accurate within "
                + MeasuredAnswers.sharesOfBudget.map { String(format: "%.0f", $0 * 100) }.joined(separator: ", ")
                + " % of the budget by the estimate, and the agent's at the baselines' latencies")
            return try measured(contenders)
        }
        result.seconds["measurement"] = measuringSeconds
        // Each distinct one once (the agent's answers at the baselines' latencies can be the same).
        let chosen = [answers.best, answers.uniform, answers.random, answers.atUniform, answers.atRandom].compactMap { $0 }.distinctConfigurations
        let models = try chosen.map(pruned)
        let entries = try chosen.indices.map { i in
            PruneReport.Entry(chosen[i], measured: answers.latency[chosen[i].choices]!,
                              heldOut: try heldOutTop1(models[i].0, models[i].1.kernels),
                              conversionsMs: try environment.conversionsMs(chosen[i].choices))
        }
        func entry(_ e: Evaluation) -> PruneReport.Entry { entries[chosen.firstIndex { $0.choices == e.choices }!] }
        let (final, uniform, random) = (entries[0], entry(answers.uniform), entry(answers.random))
        let (finalModel, finalMasks) = models[0]
        _ = try Pruning.write(finalModel, dense: dense, masks: finalMasks, config: environment.config(answers.best.choices), to: directory)
        // What each recovery step buys on the chosen configuration.
        let steps: [(String, Recovery.Steps)] = recoveryImages == 0 ? [("masks only", [])]
            : [("masks only", []), ("+ BatchNorm statistics", .statistics), ("+ least squares", .all)]
        let recovery = try steps.map { name, steps in
            let model = steps == .all ? finalModel : try environment.prunedModel(answers.best.choices, recovery: steps)
            return PruneReport.RecoveryStep(step: name, top1: try Accuracy.evaluate(model, kernels: finalMasks.kernels, on: calibration,
                                                                                    dataName: data, batch: 256).top1,
                                            top1HeldOut: try heldOutTop1(model, finalMasks.kernels))
        }
        let report = PruneReport(model: model.model, data: data, testData: testData, device: device.device, budget: budget,
                                 episodes: episodes, agentEpisodes: result.agent.count - result.heldToUniformLatency,
                                 heldToUniformLatency: result.heldToUniformLatency, seed: seed,
                                 denseTop1: try environment.evaluate(denseChoices).top1,
                                 denseTop1HeldOut: try heldOutTop1(dense, [:]),
                                 denseLatencyMs: denseLatency, denseMACs: environment.denseMACs,
                                 pace: environment.pace, restMs: environment.remainderMs,
                                 final: final, uniform: uniform, random: random,
                                 atUniformLatency: answers.atUniform.map(entry), atRandomLatency: answers.atRandom.map(entry),
                                 recovery: recovery,
                                 evaluations: ["agent": result.agent, "uniform": result.uniformAll, "random": result.randomAll],
                                 layers: zip(layers, answers.best.choices).map { .init(name: $0.name, pattern: SearchSpace.candidates[$1].description) },
                                 seconds: result.seconds)
        try report.write(to: directory, result: result, chosen: answers.best)
        print(report.summary)
    }

    /// The dense model (ONNX bytes) end to end and its decision layers' specs measured alone and
    /// fresh, in turns (`DenseTurn`): five, because a slow phase of the host can last through one
    /// or two. Each turn measures the model before and after the layers and takes the mean, so
    /// that a change of pace during the turn weighs on both alike.
    func measureInTurns(_ model: Data, layers specs: [KernelSpec], source: any ProfileSource) throws -> [DenseTurn] {
        let threads = self.threads
        func modelMs() throws -> Double {
            try waitFor { try await source.measureModel(model, threads: threads, batch: 1) }.statistics.medianMilliseconds
        }
        return try (0..<5).map { _ in
            let before = try modelMs()
            var layersMs = 0.0
            for chunk in chunks(specs) {
                layersMs += try waitFor { try await source.measure(chunk, fresh: true) }.reduce(0) { $0 + $1.statistics.medianMilliseconds }
            }
            return DenseTurn(modelMs: (before + (try modelMs())) / 2, layersMs: layersMs)
        }
    }

    /// Specs in requests of 32: progress between them, and within a daemon's limit per request.
    func chunks(_ specs: [KernelSpec]) -> [[KernelSpec]] {
        stride(from: 0, to: specs.count, by: 32).map { Array(specs[$0..<min(specs.count, $0 + 32)]) }
    }

    /// End-to-end latency of each model (ONNX or .sculpt bytes) on the device: measured in turns,
    /// seven times each, because on a shared machine one measurement can be off by tens of
    /// percent, and a slow phase of the host can last through several turns (the example's agent
    /// and random search measure 0.01 ms apart).
    func endToEnd(_ models: [Data], source: any ProfileSource) throws -> [TurnLatency] {
        let turns = 7
        var medians = [[Double]](repeating: [], count: models.count)
        let threads = self.threads
        for _ in 0..<turns {
            for (i, bytes) in models.enumerated() {
                medians[i].append(try waitFor { try await source.measureModel(bytes, threads: threads, batch: 1) }.statistics.medianMilliseconds)
            }
        }
        return medians.map(TurnLatency.init)
    }
}
