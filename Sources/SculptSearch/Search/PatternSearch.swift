import SculptKernels
import Foundation

/// The hardware-aware search: the PPO agent picks one candidate per decision layer, layer after
/// layer, and is rewarded by the accuracy and the measured latency of the whole configuration;
/// uniform configurations and random search, with as many evaluations, are the baselines.
public final class PatternSearch {
    public struct Settings: Sendable {
        /// The agent's budget: distinct configurations evaluated. An episode that makes one the
        /// agent has already evaluated costs no evaluation (the result is cached) and does not
        /// count, but still trains the policy: as the policy settles, its samples repeat, and it
        /// keeps drawing until it has found this many, as random search gets as many draws.
        public var evaluations = 200
        /// Episodes in all at most, per evaluation of the budget: a policy that has settled on
        /// fewer configurations than the budget ends the search there.
        public var episodesPerEvaluation = 4
        public var episodesPerUpdate = 8
        /// Episodes of the trained policy held to each share of the best uniform configuration's
        /// latency, estimated and measured, after the search (latency budgets only), the policy
        /// updated as in the search: the agent's answers for the comparison at equal latency.
        /// Below the uniform's own latency too, because estimates are off by a few percent, as
        /// much as configurations this close differ: the device measures them.
        public var episodesAtUniformLatency = 16
        public var sharesOfUniformLatency = [1, 0.95, 0.9]
        public var seed: UInt64 = 0
        public init() {}

        /// Episodes in all at most.
        public var episodeLimit: Int { evaluations * episodesPerEvaluation }
    }

    /// What a search found, with everything a report shows.
    public struct Result: Sendable, Codable {
        /// The agent's best configuration (chosen as the baselines' are) and every one it evaluated,
        /// its episodes at the uniform configuration's latency last.
        public var best: Evaluation
        public var agent: [Evaluation]
        /// How many of `agent`'s last episodes were held to the uniform configuration's latency.
        public var heldToUniformLatency: Int
        /// The best uniform configuration that meets the budget (or the cheapest when none does), and all of them.
        public var uniform: Evaluation
        public var uniformAll: [Evaluation]
        /// The agent's most accurate configuration at no more estimated latency than each share of
        /// `uniform`'s, estimated and measured (`Settings.sharesOfUniformLatency`, `run`'s
        /// `uniformLatency`), distinct, the most accurate first: the
        /// comparison at equal latency, since the best uniform configuration usually leaves part
        /// of the budget unused (uniform steps are coarse), and the agent, rewarded for accuracy
        /// within the budget, spends it. Empty when the agent has none.
        public var atUniformLatency: [Evaluation]
        /// The best of as many distinct random configurations within the budget as the agent evaluated.
        public var random: Evaluation
        public var randomAll: [Evaluation]
        /// The agent's most accurate configuration within the budget at no more estimated latency
        /// than `random`, when that is not `best`: the comparison with random search at equal
        /// latency. Under a MACs budget neither is held to latency, and random search's best can
        /// be the faster (slow pattern kernels cost no MACs).
        public var atRandomLatency: Evaluation?
        /// Seconds spent evaluating accuracy, choosing actions (encoder and policy), and updating the policy.
        public var seconds: [String: Double]
    }

    /// Progress after each episode: its number, the distinct configurations evaluated so far, the
    /// best reward so far and the latest evaluation.
    public typealias Progress = (_ episode: Int, _ evaluations: Int, _ best: Evaluation, _ latest: Evaluation) -> Void

    public let environment: PruningEnvironment
    public let settings: Settings
    public let features: GraphFeatures
    public let ppo: PPO
    public private(set) var episodesDone = 0
    public private(set) var agent = [Evaluation]()
    /// The distinct configurations among `agent`'s.
    public private(set) var evaluated = Set<[Int]>()
    private var actingSeconds = 0.0, updatingSeconds = 0.0

    /// Where an interrupted search stands: the episodes done, what they found, and the agent.
    public struct Checkpoint: Codable, Sendable {
        public var episodesDone: Int
        public var agent: [Evaluation]
        public var ppo: PPO.Checkpoint
        public var seconds: [Double]
    }

    public init(environment: PruningEnvironment, settings: Settings, resuming checkpoint: Checkpoint? = nil) {
        self.environment = environment
        self.settings = settings
        features = GraphFeatures(environment)
        ppo = PPO(model: ActorCritic(features: GraphFeatures.count, candidateFeatures: GraphFeatures.candidateCount,
                                     candidates: SearchSpace.candidates.count, seed: settings.seed),
                  seed: settings.seed &+ 1)
        if let checkpoint {
            episodesDone = checkpoint.episodesDone
            agent = checkpoint.agent
            evaluated = Set(agent.map(\.choices))
            ppo.restore(checkpoint.ppo)
            actingSeconds = checkpoint.seconds[0]
            updatingSeconds = checkpoint.seconds[1]
        }
    }

    /// The state to resume from; taken between updates (when `run` returned nil).
    public func checkpoint() -> Checkpoint {
        Checkpoint(episodesDone: episodesDone, agent: agent, ppo: ppo.checkpoint(), seconds: [actingSeconds, updatingSeconds])
    }

    /// Runs the agent's episodes (continuing from `episodesDone`), then the baselines; `shouldStop`
    /// is asked between updates (Ctrl-C: the caller checkpoints and resumes later). `note` hears
    /// of the baselines' phases and of random search's progress, which take about as long as the
    /// agent's episodes. `uniformLatency` gives the best uniform configuration's latency as the
    /// device measures it, in the estimates' terms (by default the estimate); the agent is then
    /// held to shares of it and of the estimate.
    public func run(progress: Progress = { _, _, _, _ in }, note: (String) -> Void = { _ in },
                    shouldStop: () -> Bool = { false },
                    uniformLatency: (Evaluation) throws -> Double = { $0.latencyMs }) throws -> Result? {
        while !searchDone {
            if shouldStop() { return nil }
            var batch = [[Transition]]()
            while batch.count < settings.episodesPerUpdate && !searchDone {
                let (transitions, evaluation) = try episode()
                batch.append(transitions)
                agent.append(evaluation)
                evaluated.insert(evaluation.choices)
                episodesDone += 1
                progress(episodesDone, evaluated.count, agent.max { $0.reward < $1.reward }!, evaluation)
            }
            update(batch)
        }
        let uniformStart = environment.evaluationSeconds
        note("baselines: \(SearchSpace.candidates.count) uniform configurations")
        let uniformAll = try SearchSpace.candidates.indices.map { c in
            try environment.evaluate(environment.allowed.map { $0[c] ? c : 0 })
        }
        let uniform = bestMeetingBudget(uniformAll)
        let uniformSeconds = environment.evaluationSeconds - uniformStart
        // The policy has learned to spend the budget, so none of its configurations may be as fast
        // as the uniform one; held to that latency (its features are shares of the limit), it
        // makes configurations that are, and learns from them (the rewards are the budget's, which
        // all of them meet: accuracy decides). They count in its evaluations, which random search
        // matches.
        // Held to shares of the uniform configuration's estimated latency and of its measured one:
        // on this project's host the two differed by up to 11 %, two measurements minutes apart
        // by 9 %, and the agent's configurations' estimates are off by −4 … +8 %, so either alone
        // can leave the agent no configuration that measures as fast as the uniform one, or only
        // far slower ones (MeasuredAnswers decides among them).
        var limits = settings.sharesOfUniformLatency.map { $0 * uniform.latencyMs }
        if case .latency = environment.budget, environment.budget.isMet(latency: uniform.latencyMs, macs: uniform.macs,
                                                                         denseMACs: environment.denseMACs) {
            let measured = try uniformLatency(uniform)
            for limit in settings.sharesOfUniformLatency.map({ $0 * measured }) where !limits.contains(where: { abs($0 / limit - 1) < 0.01 }) {
                limits.append(limit)
            }
            limits.sort(by: >)
            note(String(format: "the agent held to the best uniform configuration's latency (estimated %.3f ms, measured %.3f): %d episodes",
                        uniform.latencyMs, measured, limits.count * settings.episodesAtUniformLatency))
            for limit in limits {
                try environment.within(limit: limit) {
                    var batch = [[Transition]]()
                    for i in 1...settings.episodesAtUniformLatency {
                        let (transitions, evaluation) = try episode()
                        agent.append(evaluation)
                        evaluated.insert(evaluation.choices)
                        batch.append(transitions)
                        if batch.count == settings.episodesPerUpdate || i == settings.episodesAtUniformLatency {
                            update(batch)
                            batch = []
                        }
                    }
                }
            }
        }
        let atUniform = Self.mostAccurate(agent, within: limits)
        let held = agent.count - episodesDone
        let agentEvaluationSeconds = environment.evaluationSeconds - uniformSeconds
        let randomAll = try randomSearch(evaluations: evaluated.count, note: note)
        let (best, random) = (bestMeetingBudget(agent), bestMeetingBudget(randomAll))
        let atRandom = Self.mostAccurate(agent.filter { meetsBudget($0) && $0.latencyMs <= random.latencyMs })
        return Result(best: best, agent: agent, heldToUniformLatency: held, uniform: uniform, uniformAll: uniformAll,
                      atUniformLatency: atUniform,
                      random: random, randomAll: randomAll, atRandomLatency: atRandom?.choices == best.choices ? nil : atRandom,
                      seconds: ["accuracy_evaluation": agentEvaluationSeconds, "encoding_and_policy": actingSeconds,
                                "policy_updates": updatingSeconds, "baselines": environment.evaluationSeconds - agentEvaluationSeconds])
    }

    private func update(_ batch: [[Transition]]) {
        let start = Date()
        ppo.update(batch)
        updatingSeconds += Date().timeIntervalSince(start)
    }

    /// Whether the agent has spent its budget of evaluations, or its limit of episodes.
    private var searchDone: Bool { evaluated.count >= settings.evaluations || episodesDone >= settings.episodeLimit }

    /// Random search: the agent's constrained choices made uniformly at random (each layer's
    /// candidate drawn from those that keep the budget within reach), until as many distinct
    /// configurations are evaluated as the agent evaluated (it samples some more than once, and
    /// evaluates each once); fewer when the draws find no more. Whole configurations drawn
    /// uniformly are almost never within a tight budget: at 0.47 of ResNet-20's latency, none
    /// was in a thousand draws per evaluation of the agent.
    private func randomSearch(evaluations: Int, note: (String) -> Void) throws -> [Evaluation] {
        var random = SeededRandom(seed: settings.seed &+ 2)
        var seen = Set<[Int]>(), result = [Evaluation](), draws = 0
        let start = Date()
        note("random search: \(evaluations) evaluations")
        while seen.count < evaluations, draws < 1000 * evaluations {
            draws += 1
            var choices = [Int?](repeating: nil, count: environment.layers.count)
            for d in choices.indices {
                let feasible = try environment.feasible(choices, at: d)
                let options = feasible.indices.filter { feasible[$0] }
                choices[d] = options[Int(random.next() % UInt64(options.count))]
            }
            let configuration = choices.map { $0! }
            guard seen.insert(configuration).inserted else { continue }
            result.append(try environment.evaluate(configuration))
            if result.count % 25 == 0 || result.count == evaluations {
                let elapsed = Date().timeIntervalSince(start)
                note(String(format: "random search: %d/%d evaluated  ETA %.0f s", result.count, evaluations,
                            elapsed / Double(result.count) * Double(evaluations - result.count)))
            }
        }
        return result
    }

    /// The most accurate evaluation within the budget, or the cheapest one when none is.
    private func bestMeetingBudget(_ evaluations: [Evaluation]) -> Evaluation {
        Self.mostAccurate(evaluations.filter(meetsBudget)) ?? evaluations.min { $0.latencyMs < $1.latencyMs }!
    }

    private func meetsBudget(_ e: Evaluation) -> Bool {
        environment.budget.isMet(latency: e.latencyMs, macs: e.macs, denseMACs: environment.denseMACs)
    }

    /// The most accurate evaluation, the faster of equals.
    static func mostAccurate(_ evaluations: [Evaluation]) -> Evaluation? {
        evaluations.max { $0.top1 != $1.top1 ? $0.top1 < $1.top1 : $0.latencyMs > $1.latencyMs }
    }

    /// The most accurate evaluation at no more estimated latency than each of `limits`, distinct,
    /// in the order of `limits` (the largest first: the most accurate first).
    static func mostAccurate(_ evaluations: [Evaluation], within limits: [Double]) -> [Evaluation] {
        limits.compactMap { limit in mostAccurate(evaluations.filter { $0.latencyMs <= limit }) }.distinctConfigurations
    }

    /// One episode: a decision per layer in order, then the configuration's reward.
    private func episode() throws -> ([Transition], Evaluation) {
        var choices = [Int?](repeating: nil, count: environment.layers.count), transitions = [Transition]()
        let start = Date()
        for d in environment.layers.indices {
            let t = ppo.act(features.input(choices: choices, current: d), node: features.decisionNodes[d],
                            candidates: features.candidates(choices: choices, at: d), allowed: try environment.feasible(choices, at: d))
            choices[d] = t.action
            transitions.append(t)
        }
        actingSeconds += Date().timeIntervalSince(start)
        let evaluation = try environment.evaluate(choices.map { $0! })
        transitions[transitions.count - 1].reward = Float(evaluation.reward)
        return (transitions, evaluation)
    }
}
