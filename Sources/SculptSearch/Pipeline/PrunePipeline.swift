import Foundation
import SculptData
import SculptGraph
import SculptKernels
import SculptPatterns
import SculptProfiles

/// The whole of `sculpt prune`, one named step per phase: from a dense model, its calibration
/// data and a device to a pruned model and a report (docs/search.md).
///
/// `run` calls the steps in order: `measureLatencyTable`, `measureDenseTurns`, `makeEnvironment`,
/// `measureLayerCosts`, `planKnapsack`, `searchAgent` (the agent's episodes, then the uniform and
/// random baselines), `measureAnswers`, `writeOutputs`. Each logs its progress with an ETA, and
/// the report gives each one's seconds.
public final class PrunePipeline {
    /// What a search is asked for.
    public struct Settings: Sendable {
        /// The model's and data's names as given (for the report and the checkpoint).
        public var modelName: String
        public var dataName: String
        public var testDataName: String?
        /// Where the latencies are measured: "local" or a daemon's URL.
        public var deviceName: String
        public var budget: Budget
        /// The agent's budget of distinct configurations (random search gets as many).
        public var episodes = 200
        public var seed: UInt64 = 0
        public var threads = 1
        /// Calibration images each configuration is recovered on; 0 turns recovery off.
        public var recoveryImages = 64
        /// The share of the calibration images that chooses answers instead of rewarding (`CalibrationSplit`).
        public var selectionShare = 0.25

        public init(modelName: String, dataName: String, testDataName: String? = nil, deviceName: String, budget: Budget) {
            (self.modelName, self.dataName, self.testDataName, self.deviceName, self.budget) = (modelName, dataName, testDataName, deviceName, budget)
        }

        var checkpointOptions: PruneCheckpoint.Options {
            .init(model: modelName, data: dataName, budget: budget.json, episodes: episodes, seed: seed, recoveryImages: recoveryImages,
                  selectionShare: selectionShare)
        }
    }

    public let dense: Model
    public let settings: Settings
    public let split: CalibrationSplit
    public let heldOut: LabelledData?
    let source: any ProfileSource
    let log: (String) -> Void
    let layers: [PrunableLayer], allowed: [[Bool]]
    let inputs: LayerInputs
    let conversions: LayoutConversions
    /// Seconds per phase, for the report.
    private(set) var seconds = [String: Double]()

    /// Checks the model and the data against each other (before anything is measured) and splits
    /// the calibration data. `log` hears of progress.
    public init(dense: Model, calibration: LabelledData, heldOut: LabelledData?, settings: Settings, source: any ProfileSource,
                log: @escaping (String) -> Void) throws {
        (self.dense, self.settings, self.heldOut, self.source, self.log) = (dense, settings, heldOut, source, log)
        // Every image shape and label checked on the dense model: a mismatch stops here, not
        // after minutes of measuring.
        for (data, name) in [(calibration, settings.dataName)] + (heldOut.map { [($0, settings.testDataName ?? "held-out data")] } ?? []) {
            guard data.count > 0 else { throw PipelineError("\(name): no images") }
            let classes = try Scores(dense, on: data.subset([0]), dataName: name, batch: 1).classes
            if let i = data.labels.firstIndex(where: { $0 < 0 || Int($0) >= classes }) {
                throw PipelineError("\(name): label \(data.labels[i]) of image \(i) is out of range for a model with \(classes) classes")
            }
        }
        split = CalibrationSplit(calibration, selectionShare: settings.selectionShare)
        (layers, allowed) = try PruningEnvironment.decisions(of: dense)
        guard !layers.isEmpty else { throw PipelineError("\(settings.modelName): no layer that the search can prune") }
        inputs = try LayerInputs(model: dense, layers: layers, allowed: allowed)
        conversions = try LayoutConversions(model: dense, layers: layers, inputs: inputs)
    }

    /// Runs every phase and writes DIR's files; nil when `shouldStop` stopped the agent (a
    /// checkpoint is then in `directory`, and `resuming` it continues).
    public func run(to directory: URL, resuming checkpoint: PruneCheckpoint? = nil,
                    shouldStop: @escaping () -> Bool = { false }) throws -> PruneReport? {
        if let checkpoint, checkpoint.options != settings.checkpointOptions {
            throw PipelineError("\(PruneCheckpoint.url(in: directory).relativePath): the checkpoint was made with other options (\(checkpoint.options))")
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        log("calibration data: \(split.reward.count) images for the reward"
            + (split.selection.map { ", \($0.count) to choose the answers among each search's best" } ?? " and the answers"))
        let table: LatencyTable, turns: [DenseTurn], environment: PruningEnvironment, costs: [[Double]]
        if let checkpoint {
            (table, turns) = (checkpoint.latency, checkpoint.denseTurns)
            environment = try makeEnvironment(table, turns)
            costs = checkpoint.layerCosts
            log("resuming after episode \(checkpoint.search.episodesDone)")
        } else {
            let (measuredTable, denseSpecs) = try measureLatencyTable()
            table = measuredTable
            var denseTurns = try measureDenseTurns(denseSpecs)
            var made = try makeEnvironment(table, denseTurns)
            // A slow phase of the device during the turns raises every estimate with it, and a
            // tight budget can look out of reach; such phases often pass within minutes.
            if case .latency = settings.budget {
                for attempt in 1...2 where try made.cheapestShare > 1 {
                    log(String(format: "no configuration meets the budget by these turns (the cheapest costs %.2f times it): "
                               + "measuring the dense model again, in case the device was busy (%d of 2)", try made.cheapestShare, attempt))
                    denseTurns = try measureDenseTurns(denseSpecs)
                    made = try makeEnvironment(table, denseTurns)
                }
            }
            (turns, environment) = (denseTurns, made)
            costs = try measureLayerCosts(environment)
        }
        warnAboutBudget(environment)
        environment.accuracyCosts = costs
        let knapsack = try planKnapsack(environment, costs: costs)
        let search = PatternSearch(environment: environment, settings: searchSettings, resuming: checkpoint?.search)
        guard let result = try searchAgent(search, shouldStop: shouldStop) else {
            try PruneCheckpoint(options: settings.checkpointOptions, latency: table, denseTurns: turns, layerCosts: costs,
                                search: search.checkpoint()).write(to: directory)
            log("interrupted after episode \(search.episodesDone); checkpoint in \(PruneCheckpoint.url(in: directory).relativePath), continue with --resume")
            return nil
        }
        try? FileManager.default.removeItem(at: PruneCheckpoint.url(in: directory))
        let (answers, models) = try measureAnswers(environment, result: result, knapsack: knapsack)
        return try writeOutputs(to: directory, environment: environment, result: result, knapsack: knapsack, answers: answers, models: models)
    }

    var searchSettings: PatternSearch.Settings {
        var search = PatternSearch.Settings()
        search.evaluations = settings.episodes
        search.seed = settings.seed
        return search
    }

    // MARK: - Phases

    /// Phase 1: the latency of every (layer, candidate) in every layout its input can arrive in,
    /// and of the layout conversions, from the profile store or measured on the device; with the
    /// dense layers' specs (for the dense turns).
    func measureLatencyTable() throws -> (LatencyTable, denseSpecs: [KernelSpec]) {
        let start = Date()
        defer { seconds["latency_table"] = Date().timeIntervalSince(start) }
        let requests = LatencyTable.requests(layers: layers, allowed: allowed, inputs: inputs.possible, threads: settings.threads)
        let reorders = conversions.all()
        let specs = requests.map(\.spec) + reorders.map { $0.spec(threads: settings.threads) }
        log("latency of \(requests.count) layer configurations and \(reorders.count) layout conversions on "
            + "\(settings.deviceName == "local" ? "this machine" : settings.deviceName) (\(settings.threads) thread(s))")
        var medians = [Double](), cached = 0
        let progress = PhaseProgress("latency table", total: specs.count, log: log)
        for chunk in chunks(specs) {
            let entries = try blocking { [source] in try await source.measure(chunk) }
            medians += entries.map(\.statistics.medianMilliseconds)
            cached += entries.filter(\.cached).count
            progress.advance(to: medians.count, detail: "\(cached) from the profile cache")
        }
        let table = LatencyTable(layers: layers.count, requests: requests, medians: Array(medians.prefix(requests.count)),
                                 conversions: Dictionary(uniqueKeysWithValues: zip(reorders.map(\.key), medians.dropFirst(requests.count))))
        let dense = [Int](repeating: 0, count: layers.count), denseInputs = inputs(dense)
        let denseSpecs = layers.indices.map { l in
            let own = requests.filter { $0.layer == l && $0.candidate == 0 }
            return (own.first { $0.input == denseInputs[l] } ?? own[0]).spec
        }
        return (table, denseSpecs)
    }

    /// Phase 2: the dense model end to end and its decision layers alone, measured fresh, in
    /// turns (`DenseTurn`): five, because a slow phase of the host can last through one or two.
    /// Each turn measures the model before and after the layers and takes the mean, so that a
    /// change of pace during the turn weighs on both alike.
    func measureDenseTurns(_ specs: [KernelSpec]) throws -> [DenseTurn] {
        let start = Date()
        defer { seconds["dense_turns", default: 0] += Date().timeIntervalSince(start) }
        let bytes = try dense.serializedData(), threads = settings.threads
        func modelMs() throws -> Double {
            try blocking { [source] in try await source.measureModel(bytes, threads: threads, batch: 1) }.statistics.medianMilliseconds
        }
        let progress = PhaseProgress("the dense model end to end and its \(layers.count) layers alone, in turns", total: 5, log: log)
        return try (1...5).map { turn in
            let before = try modelMs()
            var layersMs = 0.0
            for chunk in chunks(specs) {
                layersMs += try blocking { [source] in try await source.measure(chunk, fresh: true) }.reduce(0) { $0 + $1.statistics.medianMilliseconds }
            }
            progress.advance(to: turn)
            return DenseTurn(modelMs: (before + (try modelMs())) / 2, layersMs: layersMs)
        }
    }

    /// Phase 3: the environment the searches evaluate configurations in (the reward part of the
    /// calibration data, the latency table at the device's pace, the rest of the model).
    func makeEnvironment(_ table: LatencyTable, _ turns: [DenseTurn]) throws -> PruningEnvironment {
        let environment = try PruningEnvironment(model: dense, calibration: split.reward, budget: settings.budget, latency: table,
                                                 inputs: inputs, conversions: conversions, denseEndToEndMs: turns.map(\.modelMs).median,
                                                 denseTurns: turns, recoveryImages: settings.recoveryImages)
        let dense = [Int](repeating: 0, count: layers.count)
        log(String(format: "dense model: %.3f ms end to end, its layers %.3f ms alone (%.3f ms in the profile); the rest of the model: %.3f ms",
                   environment.denseLatencyMs, turns.map(\.layersMs).median, table.total(dense, inputs: inputs(dense)), environment.remainderMs)
            + " (turns, model/layers: " + turns.map { String(format: "%.3f/%.3f", $0.modelMs, $0.layersMs) }.joined(separator: ", ") + ")")
        return environment
    }

    /// Says before the searches when the profile's pace is off or no configuration meets the budget.
    private func warnAboutBudget(_ environment: PruningEnvironment) {
        if abs(environment.pace - 1) > 0.1 {
            log(String(format: "the device runs the layers %.2f times as fast as its profile says: every layer's latency is scaled by %.2f",
                       1 / environment.pace, environment.pace))
        }
        if let share = try? environment.cheapestShare, share > 1 {
            var rest = ""
            if case .latency = settings.budget {
                rest = String(format: " (%.3f ms of it is the rest of the model, besides the layers the search prunes)", environment.remainderMs)
            }
            log(String(format: "warning: no configuration meets the budget: the cheapest costs %.2f times it%@; the search returns the cheapest",
                       share, rest))
        }
    }

    /// Phase 4: each (decision, candidate)'s accuracy cost applied alone (`Knapsack.layerCosts`):
    /// the knapsack planner's values and a feature of the agent's candidates.
    func measureLayerCosts(_ environment: PruningEnvironment) throws -> [[Double]] {
        let start = Date(), evaluations = environment.evaluations
        defer { seconds["layer_costs"] = Date().timeIntervalSince(start) }
        let total = allowed.reduce(0) { $0 + $1.dropFirst().filter { $0 }.count }
        log("accuracy cost of each of \(total) candidates applied alone (the knapsack planner's, and the agent's features)")
        let progress = PhaseProgress("candidates alone", total: total, log: log)
        let costs = try Knapsack.layerCosts(environment) { done, _ in progress.advance(to: done) }
        layerCostEvaluations = environment.evaluations - evaluations
        return costs
    }
    private(set) var layerCostEvaluations = 0

    /// Phase 5: the knapsack planner's configuration within each share of the budget that the
    /// answers are measured at (`MeasuredAnswers.sharesOfBudget`; under a MACs budget the budget
    /// alone), evaluated as every configuration is.
    func planKnapsack(_ environment: PruningEnvironment, costs: [[Double]]) throws -> [Evaluation] {
        let start = Date()
        defer { seconds["knapsack"] = Date().timeIntervalSince(start) }
        var shares = [1.0]
        if case .latency = settings.budget { shares = MeasuredAnswers.sharesOfBudget }
        let plans = try shares.map { try environment.evaluate(try Knapsack.plan(environment, costs: costs, share: $0)) }
        log(String(format: "knapsack planner: top-1 %.4f at %.3f ms (estimated), summed cost %.4f", plans[0].top1, plans[0].latencyMs,
                   zip(plans[0].choices.indices, plans[0].choices).reduce(0) { $0 + costs[$1.0][$1.1] }))
        return plans
    }

    /// Phase 6: the agent's episodes, then the baselines (uniform configurations, random search);
    /// nil when `shouldStop` stopped it.
    func searchAgent(_ search: PatternSearch, shouldStop: @escaping () -> Bool) throws -> PatternSearch.Result? {
        let start = Date(), startEvaluations = search.evaluated.count, startEpisode = search.episodesDone
        let settings = search.settings, episodes = settings.evaluations, episodeLimit = settings.episodeLimit
        defer { seconds["search_and_baselines"] = Date().timeIntervalSince(start) }
        log("searching until \(episodes) configurations are evaluated" + (startEvaluations == 0 ? "" : " (\(startEvaluations) already are)"))
        let log = self.log
        return try search.run(progress: { episode, evaluations, best, latest in
            guard episode % settings.episodesPerUpdate == 0 || evaluations == episodes || episode == episodeLimit else { return }
            // The search ends at the budget of evaluations or at the limit of episodes, whichever comes first.
            let elapsed = Date().timeIntervalSince(start)
            let eta = min(elapsed / Double(max(1, evaluations - startEvaluations)) * Double(episodes - evaluations),
                          elapsed / Double(max(1, episode - startEpisode)) * Double(episodeLimit - episode))
            log(String(format: "episode %d, evaluated %d/%d  best reward %.4f (top-1 %.4f, %.3f ms)  latest top-1 %.4f, %.3f ms  ETA %.0f s",
                       episode, evaluations, episodes, best.reward, best.top1, best.latencyMs, latest.top1, latest.latencyMs, eta))
        }, note: log, shouldStop: shouldStop, uniformLatency: { try self.uniformLatency($0, environment: search.environment) })
    }

    /// The best uniform configuration's latency as the device measures it, in the estimates'
    /// terms: measured with the dense model, in the same turns, as a share of the dense model's
    /// latency at the start (whatever the device's pace now).
    private func uniformLatency(_ uniform: Evaluation, environment: PruningEnvironment) throws -> Double {
        let model = try environment.prunedModel(uniform.choices)
        let timed = try endToEnd([try SculptFile.serializedData(model, masks: try environment.masks(uniform.choices)), try dense.serializedData()])
        return timed[0].median / timed[1].median * environment.denseLatencyMs
    }

    /// A measured answer's pruned model and its top-1 on the selection part and the held-out data.
    public struct Answer {
        public var model: Model
        public var masks: ModelMasks
        public var selectionTop1: Double
        public var heldOutTop1: Double?
    }

    /// Phase 7: each search's contenders measured end to end, in turns, and evaluated on the
    /// selection part (`MeasuredAnswers`); the answers' recovered models.
    func measureAnswers(_ environment: PruningEnvironment, result: PatternSearch.Result,
                        knapsack: [Evaluation]) throws -> (MeasuredAnswers, [[Int]: Answer]) {
        let start = Date()
        defer { seconds["answers"] = Date().timeIntervalSince(start) }
        var models = [[Int]: Answer]()
        var bytes = [Data]()
        let choosing = split.choosing
        let answers = try MeasuredAnswers(result, knapsack: knapsack, budget: settings.budget, selectionImages: choosing.count,
                                          meetsBudget: { environment.budget.isMet(latency: $0.latencyMs, macs: $0.macs, denseMACs: environment.denseMACs) },
                                          note: log, selection: { contenders in
            log("\(contenders.count) contenders, each search's most accurate within the budget: recovered and evaluated "
                + "on the \(choosing.count) selection images\(self.heldOut == nil ? "" : " and the held-out data")")
            let progress = PhaseProgress("contenders evaluated", total: contenders.count, log: self.log)
            return try contenders.enumerated().map { i, e in
                let model = try environment.prunedModel(e.choices), masks = try environment.masks(e.choices)
                bytes.append(try SculptFile.serializedData(model, masks: masks))
                let answer = Answer(model: model, masks: masks,
                                    selectionTop1: try Accuracy.evaluate(model, kernels: masks.kernels, on: choosing, dataName: "selection images",
                                                                         batch: 256).top1,
                                    heldOutTop1: try self.heldOutTop1(model, masks.kernels))
                models[e.choices] = answer
                progress.advance(to: i + 1)
                return answer.selectionTop1
            }
        }, measure: { contenders in
            log("measuring the \(contenders.count) contenders end to end, in 7 turns")
            return try self.endToEnd(bytes)
        })
        return (answers, models)
    }

    func heldOutTop1(_ model: Model, _ kernels: [String: ConvolutionKernel]) throws -> Double? {
        try heldOut.map { try Accuracy.evaluate(model, kernels: kernels, on: $0, dataName: settings.testDataName ?? "held-out data", batch: 256).top1 }
    }

    /// Phase 8: the final configuration's files (as `sculpt apply` writes them), what each
    /// recovery step buys on it, and the report.
    func writeOutputs(to directory: URL, environment: PruningEnvironment, result: PatternSearch.Result, knapsack: [Evaluation],
                      answers: MeasuredAnswers, models: [[Int]: Answer]) throws -> PruneReport {
        let start = Date()
        let choosing = split.choosing.count
        let (final, method) = answers.final(selectionImages: choosing)
        let chosen = models[final.choices]!
        _ = try Pruning.write(chosen.model, dense: dense, masks: chosen.masks, config: environment.config(final.choices), to: directory)
        let steps: [(String, Recovery.Steps)] = settings.recoveryImages == 0 ? [("masks only", [])]
            : [("masks only", []), ("+ BatchNorm statistics", .statistics), ("+ least squares", .all)]
        let recovery = try steps.map { name, steps in
            let model = steps == .all ? chosen.model : try environment.prunedModel(final.choices, recovery: steps)
            return PruneReport.RecoveryStep(step: name, top1: try Accuracy.evaluate(model, kernels: chosen.masks.kernels, on: split.reward,
                                                                                    dataName: settings.dataName, batch: 256).top1,
                                            top1HeldOut: try heldOutTop1(model, chosen.masks.kernels))
        }
        func entry(_ e: Evaluation) throws -> PruneReport.Entry {
            PruneReport.Entry(e, measured: answers.latency[e.choices]!, selection: models[e.choices]!.selectionTop1,
                              heldOut: models[e.choices]!.heldOutTop1, conversionsMs: try environment.conversionsMs(e.choices))
        }
        let denseChoices = [Int](repeating: 0, count: layers.count)
        var seconds = result.seconds.merging(self.seconds) { $1 }
        seconds["outputs"] = Date().timeIntervalSince(start)
        let report = PruneReport(
            model: settings.modelName, data: settings.dataName, testData: settings.testDataName, device: settings.deviceName,
            budget: settings.budget, episodes: settings.episodes, agentEpisodes: result.agent.count - result.heldToUniformLatency,
            heldToUniformLatency: result.heldToUniformLatency, seed: settings.seed,
            rewardImages: split.reward.count, selectionImages: split.selection?.count ?? 0,
            denseTop1: try environment.evaluate(denseChoices).top1,
            denseTop1Selection: try Accuracy.evaluate(dense, on: split.choosing, dataName: "selection images", batch: 256).top1,
            denseTop1HeldOut: try heldOutTop1(dense, [:]),
            denseLatencyMs: environment.denseLatencyMs, denseMACs: environment.denseMACs,
            pace: environment.pace, restMs: environment.remainderMs,
            final: try entry(final), finalMethod: method, agent: try entry(answers.agent),
            uniform: try entry(answers.uniform), random: try entry(answers.random), knapsack: try entry(answers.knapsack),
            atUniformLatency: try answers.atUniform.map(entry), atRandomLatency: try answers.atRandom.map(entry),
            atKnapsackLatency: try answers.atKnapsack.map(entry),
            recovery: recovery,
            evaluations: ["agent": result.agent, "uniform": result.uniformAll, "random": result.randomAll, "knapsack": knapsack],
            layerCostEvaluations: layerCostEvaluations,
            layers: zip(layers, final.choices).map { .init(name: $0.name, pattern: SearchSpace.candidates[$1].description) },
            seconds: seconds)
        try report.write(to: directory, result: result, knapsack: knapsack, chosen: final)
        return report
    }

    // MARK: - Measuring

    /// Specs in requests of 32: progress between them, and within a daemon's limit per request.
    private func chunks(_ specs: [KernelSpec]) -> [[KernelSpec]] {
        stride(from: 0, to: specs.count, by: 32).map { Array(specs[$0..<min(specs.count, $0 + 32)]) }
    }

    /// End-to-end latency of each model (ONNX or .sculpt bytes) on the device: measured in turns,
    /// seven times each, because on a shared machine one measurement can be off by tens of
    /// percent, and a slow phase of the host can last through several turns.
    func endToEnd(_ models: [Data]) throws -> [TurnLatency] {
        let start = Date()
        defer { seconds["end_to_end_measurements", default: 0] += Date().timeIntervalSince(start) }
        let turns = 7, threads = settings.threads
        var medians = [[Double]](repeating: [], count: models.count)
        let progress = PhaseProgress("end-to-end measurements", total: turns * models.count, log: log)
        for turn in 0..<turns {
            for (i, bytes) in models.enumerated() {
                medians[i].append(try blocking { [source] in try await source.measureModel(bytes, threads: threads, batch: 1) }
                    .statistics.medianMilliseconds)
            }
            progress.advance(to: (turn + 1) * models.count)
        }
        return medians.map(TurnLatency.init)
    }
}

/// Why the pipeline cannot go on, as one line naming the file or the option.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
