import Foundation
import SculptData
import SculptGraph
import SculptKernels
import SculptPatterns
import SculptRuntime
import SculptSearch
import SculptTestSupport
import Testing

/// The search on the bundled example, with a fixed latency table so that runs are comparable:
/// recovery restores accuracy, the agent's result is reproducible, and its report holds the
/// baselines.
@Suite(.serialized) struct SearchTests {
    static let model = try! Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
    static let calibration = try! LabelledData(contentsOf: Repository.path("examples/mnist/calib.npz"))

    /// Latencies proportional to the MACs each candidate keeps, whatever the input's layout (a
    /// stand-in for measurements that does not vary).
    static func table() throws -> LatencyTable {
        let (layers, allowed) = try PruningEnvironment.decisions(of: model)
        return LatencyTable(latencies: zip(layers, allowed).map { layer, ok in
            zip(SearchSpace.candidates, ok).map { $1 ? Double(layer.macs) * $0.density / 1e6 : nil }
        })
    }

    static func denseLayersMs(_ table: LatencyTable) -> Double { table.latencies.reduce(0) { $0 + $1[0]! } }

    @Test func recoveryRestoresAccuracyOfAggressivePatterns() throws {
        let (layers, _) = try PruningEnvironment.decisions(of: Self.model)
        let config = PruningConfig(default: .dense, layers: Dictionary(uniqueKeysWithValues: layers.dropFirst().filter { $0.opType == "Conv" }.map { ($0.name, PatternConfig(family: .grouped, keep: 4, group: 16)) }))
        let masks = try ModelMasks.select(model: Self.model, config: config)
        let masked = masks.apply(to: Self.model)
        let shape = Array(Self.calibration.shape.dropFirst())
        let recovery = try Recovery(dense: Self.model, images: Array(Self.calibration.images.prefix(64 * shape.reduce(1, *))),
                                    imageShape: shape, count: 64)
        let refit = try recovery.recover(masks)
        let before = try Accuracy.evaluate(masked, on: Self.calibration, dataName: "calib").top1
        let statistics = try Accuracy.evaluate(try recovery.recover(masks, steps: .statistics), on: Self.calibration, dataName: "calib").top1
        let after = try Accuracy.evaluate(refit, kernels: masks.kernels, on: Self.calibration, dataName: "calib").top1
        #expect(before < 0.6)
        #expect(statistics > before + 0.1)
        #expect(after > 0.95)
        // Only kept weights change: the pruned ones stay zero.
        for mask in masks.masks {
            let values = refit.graph.initializers[mask.weight]!.floats!
            #expect(zip(values, mask.keep).allSatisfy { $1 || $0 == 0 })
        }
    }

    static func environment(budget: Budget = .macs(0.5)) throws -> PruningEnvironment {
        let table = try table()
        return try PruningEnvironment(model: model, calibration: calibration, budget: budget, latency: table,
                                      denseEndToEndMs: denseLayersMs(table),
                                      recoveryImages: 32)
    }

    /// Decisions: every convolution and linear layer with a constant weight; linear layers take
    /// dense and connectivity (inputs removed per block of 16 outputs).
    @Test func linearLayersAreDecisionsWithConnectivityCandidates() throws {
        let ccexam = try Model(contentsOf: Repository.path("examples/ccexam/model.onnx"))
        let (layers, allowed) = try PruningEnvironment.decisions(of: ccexam)
        #expect(layers.map(\.name) == ["/features/features.0/Conv", "/features/features.3/Conv",
                                        "/classifier/classifier.0/Gemm", "/classifier/classifier.2/Gemm"])
        for linear in allowed.suffix(2) {
            #expect(zip(SearchSpace.candidates, linear).filter(\.1).map(\.0.family) == [.dense, .connectivity, .connectivity, .connectivity])
        }
    }

    /// The layout each layer's input arrives in, as the runtime's layout plan has it for any
    /// configuration (random ones, on the example and on ResNet-20, whose residual adds join two
    /// layers' outputs): the model's input planar; after groups of 4, planar; after dense layers
    /// and groups of 16, blocked. The table measures every layout a layer's input can arrive in.
    @Test(arguments: ["examples/mnist/model.onnx", "examples/resnet20/model.onnx"])
    func layerInputsFollowTheRuntimesLayoutPlan(path: String) throws {
        let model = try Model(contentsOf: Repository.path(path))
        let (layers, allowed) = try PruningEnvironment.decisions(of: model)
        let inputs = try LayerInputs(model: model, layers: layers, allowed: allowed)
        let plan = try ConvolutionInputLayouts(model)
        #expect(inputs.possible[0] == [.planar])
        #expect(inputs.possible.dropFirst().allSatisfy { $0 == [.blocked, .planar] || $0 == [.blocked] })
        #expect(inputs.possible.filter { $0 == [.blocked, .planar] }.count >= layers.count / 2)
        let groupsOf4 = SearchSpace.candidates.firstIndex { $0.group == 4 && $0.family == .grouped }!
        let groupsOf16 = SearchSpace.candidates.firstIndex { $0.group == 16 && $0.family == .grouped }!
        for (c, second) in [(0, TensorLayout.blocked), (groupsOf16, .blocked), (groupsOf4, .planar)] {
            #expect(inputs([c] + [Int](repeating: 0, count: layers.count - 1))[1] == second)
        }
        var random = SeededRandom(seed: 7)
        for _ in 0..<40 {
            let choices = allowed.map { row in
                let ok = row.indices.filter { row[$0] }
                return ok[Int(random.next() % UInt64(ok.count))]
            }
            var kernels = [String: ConvolutionKernel]()
            for (layer, c) in zip(layers, choices) where layer.opType == "Conv" { kernels[layer.name] = SearchSpace.candidates[c].sparseKernel }
            let planned = try plan(kernels: kernels)
            #expect(inputs(choices) == layers.map { planned[$0.name] ?? .blocked }, "\(choices)")
        }
        let requests = LatencyTable.requests(layers: layers, allowed: allowed, inputs: inputs.possible, threads: 1)
        for (l, layer) in layers.enumerated() where layer.opType == "Conv" {
            let measured = Set(requests.filter { $0.layer == l }.map(\.spec.inputLayout))
            #expect(measured == Set(inputs.possible[l]), "\(layer.name)")
        }
    }

    /// The layout conversions priced between layers, with those inside the layers' own
    /// measurements (a kernel that reads the other layout than its input arrives in), are the
    /// Reorder steps the runtime runs in the pruned model: random configurations of ResNet-20,
    /// whose residual adds join layers that write different layouts.
    @Test func layoutConversionsAreTheRuntimesReorders() throws {
        let model = try Model(contentsOf: Repository.path("examples/resnet20/model.onnx"))
        let (layers, allowed) = try PruningEnvironment.decisions(of: model)
        let inputs = try LayerInputs(model: model, layers: layers, allowed: allowed)
        let conversions = try LayoutConversions(model: model, layers: layers, inputs: inputs)
        let measured = Set(conversions.all().map(\.key))
        let dense = try conversions.unpriced([Int](repeating: 0, count: layers.count)).count
        var random = SeededRandom(seed: 5), more = 0
        for _ in 0..<8 {
            let choices = allowed.map { row in
                let ok = row.indices.filter { row[$0] }
                return ok[Int(random.next() % UInt64(ok.count))]
            }
            let masks = try ModelMasks.select(model: model, config: SearchSpace.config(layers: layers, choices: choices))
            let session = try InferenceSession(model: masks.apply(to: model), kernels: masks.kernels)
            let reorders = session.profile(runs: 1).filter { $0.opType == "Reorder" }.count
            let arriving = inputs(choices)
            let insideLayers = layers.indices.filter { l in
                guard case .convolution(let shape) = layers[l].kind else { return false }
                return SearchSpace.candidates[choices[l]].kernel(for: shape, input: arriving[l]).layouts.input != arriving[l]
            }.count
            let unpriced = try conversions.unpriced(choices)
            #expect(unpriced.count + insideLayers == reorders, "\(choices)")
            #expect(unpriced.allSatisfy { measured.contains($0.key) })
            if unpriced.count > dense { more += 1 }
        }
        #expect(more > 0)
    }

    /// Choices among the feasible candidates, drawn at random, make configurations within the
    /// budget also where a layer costs more on planar input (what groups of 4 write) than on
    /// blocked: at the latency of groups of 16 everywhere, where groups of 4, cheaper on blocked
    /// input, would make the next layers' planar input cost more than the budget has left.
    @Test func feasibleChoicesMeetTheBudgetWhenLayoutsChangeCosts() throws {
        let (layers, allowed) = try PruningEnvironment.decisions(of: Self.model)
        let inputs = try LayerInputs(model: Self.model, layers: layers, allowed: allowed)
        let blocked = zip(layers, allowed).map { layer, ok in
            zip(SearchSpace.candidates, ok).map { $1 ? Double(layer.macs) * $0.density / 1e6 * ($0.group == 4 ? 0.8 : 1) : nil }
        }
        // Every conversion between layers priced too (the dense model's before its classifier).
        let conversions = try LayoutConversions(model: Self.model, layers: layers, inputs: inputs).all()
        let table = LatencyTable(latencies: blocked, planarInput: blocked.map { $0.map { $0.map { 1.5 * $0 } } },
                                 conversions: Dictionary(uniqueKeysWithValues: conversions.map { ($0.key, 0.05) }))
        let dense = [Int](repeating: 0, count: layers.count)
        let groupsOf16 = SearchSpace.candidates.firstIndex { $0.family == .grouped && $0.group == 16 && $0.keep == 4 && $0.connectivity == 0 }!
        let uniform = allowed.map { $0[groupsOf16] ? groupsOf16 : 0 }
        let target = table.total(uniform, inputs: inputs(uniform))
        let environment = try PruningEnvironment(model: Self.model, calibration: Self.calibration, budget: .latency(target), latency: table,
                                                 inputs: inputs, denseEndToEndMs: table.total(dense, inputs: inputs(dense)))
        #expect(abs(try environment.cost(uniform).latencyMs - target) < 1e-12)
        #expect(try environment.conversionsMs(uniform) == 0)
        var random = SeededRandom(seed: 11), distinct = Set<[Int]>()
        for _ in 0..<300 {
            var choices = [Int?](repeating: nil, count: layers.count)
            for d in choices.indices {
                let options = try environment.feasible(choices, at: d).enumerated().filter(\.element).map(\.offset)
                choices[d] = options[Int(random.next() % UInt64(options.count))]
            }
            let configuration = choices.map { $0! }
            distinct.insert(configuration)
            #expect(try environment.cost(configuration).latencyMs <= target * (1 + 1e-9), "\(configuration)")
        }
        // Groups of 4 are among them, where the layer after can take them too or a cheap layer.
        #expect(distinct.count > 50)
        // Among them configurations that convert less than the dense model (the last convolution
        // on groups of 4 writes the planar tensor the classifier reads).
        #expect(try distinct.contains { try environment.conversionsMs($0) < 0 })
        #expect(distinct.contains { $0.contains { SearchSpace.candidates[$0].group == 4 && SearchSpace.candidates[$0].family == .grouped } })
    }

    /// Of equally accurate configurations the faster earns more, but saving a tenth of the dense
    /// latency is worth less than one more image right in 512; over the budget, the penalty rules.
    @Test func rewardPrefersTheFasterOfEquallyAccurateConfigurations() {
        let budget = Budget.latency(0.5)
        func reward(_ top1: Double, _ latency: Double) -> Double {
            budget.reward(top1: top1, latency: latency, macs: 0, denseMACs: 1, denseLatency: 1)
        }
        #expect(reward(0.9, 0.4) > reward(0.9, 0.5))
        #expect(reward(0.9 + 1.0 / 512, 0.5) > reward(0.9, 0.4))
        #expect(reward(1, 0.6) < reward(0.9, 0.5))
    }

    /// The rest of the model, from the dense model measured end to end beside its layers alone,
    /// is the same share of the layers however busy the device is in each turn, and a turn caught
    /// in a change of the host's pace does not move it, nor the pace.
    @Test func restOfTheModelDoesNotDependOnHowBusyTheDeviceIs() {
        // Dense layers 1.5 ms in the profile, and a rest of 0.1 ms.
        let stored = 1.5
        func turn(_ slowdown: Double) -> DenseTurn { DenseTurn(modelMs: slowdown * 1.6, layersMs: slowdown * 1.5) }
        for slowdowns in [[1.0], [1.1, 1.3, 1.2], [1.0, 1.25, 1.1, 1.2, 1.05]] {
            let turns = slowdowns.map(turn), pace = slowdowns.sorted()[slowdowns.count / 2]
            #expect(abs(PruningEnvironment.pace(storedLayersMs: stored, turns: turns) - pace) < 1e-9)
            #expect(abs(PruningEnvironment.remainder(layersMs: stored * pace, denseMs: 2, turns: turns) - 0.1 * pace) < 1e-9)
        }
        // One turn in which the host slowed down between the model and its layers.
        let mixed = [turn(1.1), DenseTurn(modelMs: 1.6, layersMs: 1.5 * 1.4), turn(1.2)]
        #expect(abs(PruningEnvironment.pace(storedLayersMs: stored, turns: mixed) - 1.2) < 1e-9)
        #expect(abs(PruningEnvironment.remainder(layersMs: stored * 1.2, denseMs: 2, turns: mixed) - 0.12) < 1e-9)
        // Without turns: the profile's pace, and the dense model's time less its layers', never negative.
        #expect(PruningEnvironment.pace(storedLayersMs: stored, turns: []) == 1)
        #expect(abs(PruningEnvironment.remainder(layersMs: stored, denseMs: 1.6 * 1.3, turns: []) - 0.58) < 1e-9)
        #expect(PruningEnvironment.remainder(layersMs: stored, denseMs: 1.2, turns: []) == 0)
        #expect(PruningEnvironment.remainder(layersMs: stored, denseMs: 1.2, turns: [DenseTurn(modelMs: 1.2, layersMs: 1.5)]) == 0)
    }

    /// A profile that says the layers run twice as slow as they do now (measured under another
    /// load): the environment's table is rescaled to now, and the dense configuration's estimate
    /// is the dense model's time now.
    @Test func estimatesAreInTheDevicesPaceNow() throws {
        let table = try Self.table(), stored = Self.denseLayersMs(table)
        let turns = [0.5, 0.45, 0.55].map { DenseTurn(modelMs: stored * $0 * 1.1, layersMs: stored * $0) }
        let environment = try PruningEnvironment(model: Self.model, calibration: Self.calibration, budget: .latency(stored),
                                                 latency: table, denseEndToEndMs: stored * 0.55, denseTurns: turns)
        #expect(abs(environment.pace - 0.5) < 1e-9)
        #expect(abs(try environment.cost([Int](repeating: 0, count: environment.layers.count)).latencyMs - stored * 0.55) < 1e-9)
        for (scaled, profile) in zip(environment.latency.latencies.joined(), table.latencies.joined()) {
            #expect(scaled.map { $0 * 2 } == profile)
        }
    }

    static func settings(seed: UInt64) -> PatternSearch.Settings {
        var settings = PatternSearch.Settings()
        settings.evaluations = 16
        settings.seed = seed
        return settings
    }

    static func search(seed: UInt64) throws -> PatternSearch.Result {
        try #require(try PatternSearch(environment: try environment(), settings: settings(seed: seed)).run())
    }

    /// Stopped after the first update and resumed from a checkpoint that went through JSON, the
    /// search makes the same choices as without the interruption.
    @Test func resumedSearchContinuesExactly() throws {
        let straight = try Self.search(seed: 9)
        let first = PatternSearch(environment: try Self.environment(), settings: Self.settings(seed: 9))
        var updates = 0
        #expect(try first.run(shouldStop: { updates += 1; return updates > 1 }) == nil)
        #expect(first.episodesDone == 8)
        let saved = try JSONDecoder().decode(PatternSearch.Checkpoint.self, from: try JSONEncoder().encode(first.checkpoint()))
        let resumed = try #require(try PatternSearch(environment: try Self.environment(), settings: Self.settings(seed: 9), resuming: saved).run())
        #expect(resumed.agent.map(\.choices) == straight.agent.map(\.choices))
        #expect(resumed.best == straight.best)
    }

    @Test func sameSeedSameSearchAndBaselinesInTheResult() throws {
        let a = try Self.search(seed: 5), b = try Self.search(seed: 5)
        #expect(a.agent.map(\.choices) == b.agent.map(\.choices))
        #expect(a.best == b.best)
        // The agent's budget is 16 distinct configurations (repeats are free, up to 4 episodes
        // per evaluation); random search evaluates as many.
        let distinct = Set(a.agent.map(\.choices)).count
        #expect(distinct <= 16 && a.agent.count <= 64 && (distinct == 16 || a.agent.count == 64))
        #expect(a.agent.count >= 16 && a.uniformAll.count == SearchSpace.candidates.count)
        #expect(Set(a.randomAll.map(\.choices)).count == a.randomAll.count)
        #expect(a.randomAll.count == Set(a.agent.map(\.choices)).count)
        // Every configuration of the agent and of random search meets the budget, and the reported
        // uniform baseline is the best of those that do.
        let dense = 5_532_544
        #expect((a.agent + a.randomAll + [a.uniform]).allSatisfy { Double($0.macs) <= 0.5 * Double(dense) })
        #expect(a.best.top1 == a.agent.map(\.top1).max())
        // The agent's most accurate configurations at shares of the uniform configuration's
        // latency, distinct, the most accurate first: none of its configurations that fast is more
        // accurate than the first.
        if let first = a.atUniformLatency.first {
            #expect(a.atUniformLatency.allSatisfy { $0.latencyMs <= a.uniform.latencyMs })
            #expect(a.atUniformLatency.map(\.top1) == a.atUniformLatency.map(\.top1).sorted(by: >))
            #expect(Set(a.atUniformLatency.map(\.choices)).count == a.atUniformLatency.count)
            #expect(a.agent.allSatisfy { $0.latencyMs > a.uniform.latencyMs || $0.top1 <= first.top1 })
        } else {
            #expect(a.agent.allSatisfy { $0.latencyMs > a.uniform.latencyMs })
        }
        // The agent's most accurate configuration at random search's latency, when not its best.
        if let r = a.atRandomLatency {
            #expect(r.latencyMs <= a.random.latencyMs && r.choices != a.best.choices)
            #expect(a.agent.allSatisfy { $0.latencyMs > a.random.latencyMs || $0.top1 <= r.top1 })
        } else {
            #expect(a.best.latencyMs <= a.random.latencyMs || a.agent.allSatisfy { $0.latencyMs > a.random.latencyMs })
        }
        #expect(Set(a.seconds.keys).isSuperset(of: ["accuracy_evaluation", "encoding_and_policy", "policy_updates"]))
    }

    /// With a latency budget, the trained policy is then held to the best uniform configuration's
    /// latency, estimated and as the device measures it, for a few episodes: the agent then has
    /// configurations as fast as the uniform one to compare with it, and random search gets as
    /// many evaluations as the agent made. (The device here: one on which the uniform
    /// configuration runs in 0.9 of its estimate.)
    @Test func agentHeldToTheUniformLatencyAfterTheSearch() throws {
        let table = try Self.table(), dense = Self.denseLayersMs(table)
        let environment = try Self.environment(budget: .latency(0.45 * dense))
        let settings = Self.settings(seed: 3)
        var asked = [Evaluation]()
        let result = try #require(try PatternSearch(environment: environment, settings: settings).run(uniformLatency: {
            asked.append($0)
            return 0.9 * $0.latencyMs
        }))
        #expect(result.uniform.latencyMs <= 0.45 * dense && asked == [result.uniform])
        // Episodes at each share of its estimated and of its measured latency, the highest first
        // (0.9 of the estimate is both).
        let limits = [1, 0.95, 0.9, 0.855, 0.81].map { $0 * result.uniform.latencyMs }
        let held = Array(result.agent.suffix(settings.episodesAtUniformLatency * limits.count))
        #expect(result.heldToUniformLatency == held.count)
        for (i, limit) in limits.enumerated() {
            let episodes = held[(i * settings.episodesAtUniformLatency)..<((i + 1) * settings.episodesAtUniformLatency)]
            #expect(episodes.allSatisfy { $0.latencyMs <= limit + 1e-9 })
        }
        let atUniform = try #require(result.atUniformLatency.first)
        #expect(atUniform.top1 >= held.map(\.top1).max()!)
        #expect(result.atUniformLatency.allSatisfy { $0.latencyMs <= result.uniform.latencyMs + 1e-9 })
        #expect(result.atUniformLatency.last!.latencyMs <= limits.last! + 1e-9)
        #expect(result.randomAll.count == Set(result.agent.map(\.choices)).count)
        // Held to the lower limit for a while only: the budget's own limit afterwards.
        let none = [Int?](repeating: nil, count: environment.layers.count)
        #expect(try environment.feasible(none, at: 0) == (try Self.environment(budget: .latency(0.45 * dense))).feasible(none, at: 0))
    }

    /// Each search's answer is, of its contenders that the device measures within the budget,
    /// the fastest within one selection image of the most accurate on the selection part; a
    /// device on which the most accurate runs over the budget gives another, with a note. The
    /// agent's answers at the baselines' latencies measure no slower than them. (Measurements and
    /// selection accuracies given here: the rule is what is tested; `sculpt prune`'s tests
    /// measure on this machine.)
    @Test func answersAreTheFastestNearTheMostAccurateOnTheSelectionImages() throws {
        let limit = 0.45 * Self.denseLayersMs(try Self.table())
        let environment = try Self.environment(budget: .latency(limit))
        let result = try #require(try PatternSearch(environment: environment, settings: Self.settings(seed: 4)).run())
        let costs = try Knapsack.layerCosts(environment)
        let knapsack = try MeasuredAnswers.sharesOfBudget.map { try environment.evaluate(try Knapsack.plan(environment, costs: costs, share: $0)) }
        func device(_ ms: @escaping (Evaluation) -> Double) -> ([Evaluation]) -> [TurnLatency] {
            { $0.map { TurnLatency(Array(repeating: ms($0), count: 7)) } }
        }
        // Selection accuracies in steps of one image of 100, unrelated to the reward's.
        let images = 100
        func selection(_ e: Evaluation) -> Double { Double(e.choices.reduce(0) { $0 * 7 + $1 } % 5 + 90) / Double(images) }
        func answers(_ budget: Budget, note: (String) -> Void = { _ in }, ms: @escaping (Evaluation) -> Double) throws -> MeasuredAnswers {
            try MeasuredAnswers(result, knapsack: knapsack, budget: budget, selectionImages: images,
                                meetsBudget: { budget.isMet(latency: $0.latencyMs, macs: $0.macs, denseMACs: environment.denseMACs) },
                                note: note, selection: { $0.map(selection) }, measure: device(ms))
        }
        func expectRule(_ a: MeasuredAnswers, limit: Double?) {
            for (answer, search) in [(a.agent, result.agent), (a.uniform, result.uniformAll), (a.random, result.randomAll), (a.knapsack, knapsack)] {
                let measured = search.distinctConfigurations.filter { a.latency[$0.choices] != nil }
                let within = measured.filter { limit == nil || a.latency[$0.choices]!.median <= limit! }
                #expect(!within.isEmpty && within.contains { $0.choices == answer.choices })
                let top = within.map { a.selectionTop1[$0.choices]! }.max()!
                #expect(a.selectionTop1[answer.choices]! >= top - 1.0 / Double(images) - 1e-9)
                // None within one image of the most accurate is faster.
                #expect(within.allSatisfy { e in
                    a.selectionTop1[e.choices]! < top - 1.0 / Double(images) - 1e-9
                        || a.latency[e.choices]!.median >= a.latency[answer.choices]!.median
                })
            }
        }
        let exact = try answers(.latency(limit), ms: \.latencyMs)
        expectRule(exact, limit: limit)
        // Every contender is evaluated on the selection part and measured.
        #expect(Set(exact.latency.keys) == Set(exact.selectionTop1.keys))

        // The device measures the exact answer over the budget: another is chosen and said.
        var notes = [String]()
        let over = try answers(.latency(limit), note: { notes.append($0) }) {
            $0.choices == exact.agent.choices ? 1.01 * limit : $0.latencyMs
        }
        #expect(over.agent != exact.agent && over.latency[over.agent.choices]!.median <= limit)
        #expect(notes.contains { $0.hasPrefix("agent: of its ") }, "\(notes)")
        expectRule(over, limit: limit)
        for (at, baseline) in [(over.atUniform, over.uniform), (over.atRandom, over.random), (over.atKnapsack, over.knapsack)] {
            guard let at else { continue }
            #expect(result.agent.contains { $0.choices == at.choices } && at.choices != over.agent.choices)
            #expect(over.latency[at.choices]!.median <= over.latency[baseline.choices]!.median)
        }
        // The answer written is the better of the agent's and the planner's on the selection images.
        let (final, method) = over.final(selectionImages: images)
        #expect([over.agent, over.knapsack].contains(final) && (method == "agent") == (final == over.agent))
        #expect(over.selectionTop1[final.choices]! >= max(over.selectionTop1[over.agent.choices]!, over.selectionTop1[over.knapsack.choices]!)
            - 1.0 / Double(images) - 1e-9)

        // Under a MACs budget latency decides too: of those within one image, the fastest measured.
        let byMACs = try answers(.macs(0.5)) { Double($0.choices.reduce(0, +) % 3) + 1 }
        expectRule(byMACs, limit: nil)
    }

    /// The knapsack planner finds the configuration of least summed accuracy cost within the
    /// budget, as a brute force over every configuration finds it (on three candidates per layer
    /// of the example, with the layouts and conversions the estimate prices), up to the grid's
    /// rounding; each candidate's cost alone is 0 for dense, infinite where not allowed.
    @Test func knapsackPlansTheLeastCostWithinTheBudget() throws {
        let limit = 0.5 * Self.denseLayersMs(try Self.table())
        let environment = try Self.environment(budget: .latency(limit))
        let measured = try Knapsack.layerCosts(environment)
        for (row, allowed) in zip(measured, environment.allowed) {
            #expect(row[0] == 0)
            #expect(zip(row, allowed).allSatisfy { $1 ? $0.isFinite && $0 >= 0 : $0 == .infinity })
        }
        // Dense and the two most costly of each layer's candidates, the rest left out.
        let costs = measured.map { row in
            let kept = Set([0] + row.indices.filter { row[$0].isFinite && $0 != 0 }.sorted { row[$0] > row[$1] }.prefix(2))
            return row.indices.map { kept.contains($0) ? row[$0] : .infinity }
        }
        let options = costs.map { row in row.indices.filter { row[$0].isFinite } }
        // The least summed cost within the budget, and within the budget less the grid's rounding
        // (each weight rounded up by less than one of its steps).
        let slack = 1 - Double(costs.count) / Double(Knapsack.grid)
        var best = Double.infinity, bestWithinSlack = Double.infinity, configuration = [Int](repeating: 0, count: costs.count)
        func visit(_ l: Int) throws {
            guard l < costs.count else {
                let latency = try environment.cost(configuration).latencyMs, sum = configuration.indices.reduce(0) { $0 + costs[$1][configuration[$1]] }
                if latency <= limit { best = min(best, sum) }
                if latency <= slack * limit { bestWithinSlack = min(bestWithinSlack, sum) }
                return
            }
            for c in options[l] {
                configuration[l] = c
                try visit(l + 1)
            }
        }
        try visit(0)
        let plan = try Knapsack.plan(environment, costs: costs)
        #expect(try environment.cost(plan).latencyMs <= limit * (1 + 1e-9))
        let planned = plan.indices.reduce(0) { $0 + costs[$1][plan[$1]] }
        #expect(best.isFinite && best - 1e-12 <= planned && planned <= bestWithinSlack + 1e-12, "\(best) \(planned) \(bestWithinSlack)")
    }

    /// The calibration data splits into disjoint reward and selection parts that cover it, the
    /// same way every time, each in the file's order.
    @Test func calibrationSplitsIntoDisjointParts() {
        let data = Self.calibration
        let split = CalibrationSplit(data, selectionShare: 0.25)
        let selection = split.selection!
        #expect(selection.count == Int((0.25 * Double(data.count)).rounded()) && split.reward.count + selection.count == data.count)
        #expect(split.choosing.count == selection.count)
        let perImage = data.shape.dropFirst().reduce(1, *)
        func image(_ d: LabelledData, _ i: Int) -> [Float] { Array(d.images[(i * perImage)..<((i + 1) * perImage)]) }
        let all = (0..<data.count).map { image(data, $0) }
        var index = [[Float]: Int]()
        for (i, x) in all.enumerated() { index[x] = index[x] ?? i }
        let rewardIndices = (0..<split.reward.count).map { index[image(split.reward, $0)]! }
        let selectionIndices = (0..<selection.count).map { index[image(selection, $0)]! }
        #expect(Set(rewardIndices).isDisjoint(with: selectionIndices))
        #expect(rewardIndices == rewardIndices.sorted() && selectionIndices == selectionIndices.sorted())
        #expect(zip(rewardIndices, 0...).allSatisfy { data.labels[$0] == split.reward.labels[$1] })
        #expect(CalibrationSplit(data, selectionShare: 0.25).selection!.labels == selection.labels)
        #expect(CalibrationSplit(data, selectionShare: 0).selection == nil)
    }
}
