import SculptKernels
import Foundation

/// One decision of an episode, as PPO stores it.
public struct Transition: Sendable {
    public var graph: GraphInput
    public var node: Int
    /// The features of the candidates at `node`, one row each.
    public var candidates: Matrix
    public var allowed: [Bool]
    public var action: Int
    public var logProbability: Float
    public var value: Float
    /// The reward after this decision (the episode's reward on its last decision, 0 before).
    public var reward: Float

    public init(graph: GraphInput, node: Int, candidates: Matrix, allowed: [Bool], action: Int, logProbability: Float, value: Float,
                reward: Float = 0) {
        self.graph = graph
        self.node = node
        self.candidates = candidates
        self.allowed = allowed
        self.action = action
        self.logProbability = logProbability
        self.value = value
        self.reward = reward
    }
}

/// Proximal policy optimization (Schulman et al. 2017): clipped surrogate objective, a value
/// baseline, generalized advantage estimation and an entropy bonus, several epochs of
/// minibatches per update.
public final class PPO {
    public struct Settings: Sendable {
        public var clip: Float = 0.2
        public var valueWeight: Float = 0.5
        public var entropyWeight: Float = 0.01
        public var discount: Float = 1
        public var lambda: Float = 0.95
        public var epochs = 4
        public var minibatch = 32
        public var learningRate: Float = 3e-3
        public init() {}
    }

    public let model: ActorCritic
    public let settings: Settings
    private let optimizer: Adam
    private var random: SeededRandom
    private var returnStatistics = ReturnStatistics()

    public init(model: ActorCritic, settings: Settings = Settings(), seed: UInt64) {
        self.model = model
        self.settings = settings
        optimizer = Adam(learningRate: settings.learningRate, maxGradientNorm: 0.5)
        random = SeededRandom(seed: seed)
    }

    /// Everything a resumed run needs to continue exactly: weights, optimizer and sampler state.
    public struct Checkpoint: Codable, Sendable {
        public var parameters: [Matrix]
        public var optimizer: Adam.State
        public var random: SeededRandom
        public var returns: ReturnStatistics
    }

    public func checkpoint() -> Checkpoint {
        Checkpoint(parameters: model.parameters.map(\.value), optimizer: optimizer.state(of: model.parameters), random: random,
                   returns: returnStatistics)
    }

    public func restore(_ checkpoint: Checkpoint) {
        for (p, value) in zip(model.parameters, checkpoint.parameters) { p.value = value }
        optimizer.restore(checkpoint.optimizer, of: model.parameters)
        random = checkpoint.random
        returnStatistics = checkpoint.returns
    }

    /// Samples a candidate at `node`; returns the transition to store (reward still 0).
    public func act(_ graph: GraphInput, node: Int, candidates: Matrix, allowed: [Bool], greedy: Bool = false) -> Transition {
        let tape = Tape()
        let (logProbabilities, value) = model.evaluate(tape, graph, node: node, candidateFeatures: candidates, allowed: allowed)
        let lp = tape.value(logProbabilities).values
        let action = greedy ? lp.indices.max { lp[$0] < lp[$1] }! : random.categorical(lp.map { Foundation.exp($0) })
        return Transition(graph: graph, node: node, candidates: candidates, allowed: allowed, action: action, logProbability: lp[action],
                          value: tape.value(value).values[0])
    }

    /// Advantages (GAE) and returns of each episode's transitions, in order.
    public func advantages(_ episodes: [[Transition]]) -> (advantages: [Float], returns: [Float]) {
        var advantages = [Float](), returns = [Float]()
        for episode in episodes {
            var next: Float = 0, running: Float = 0
            var episodeAdvantages = [Float](repeating: 0, count: episode.count)
            for t in stride(from: episode.count - 1, through: 0, by: -1) {
                let delta = episode[t].reward + settings.discount * next - episode[t].value
                running = delta + settings.discount * settings.lambda * running
                episodeAdvantages[t] = running
                next = episode[t].value
            }
            advantages += episodeAdvantages
            returns += zip(episodeAdvantages, episode).map { $0 + $1.value }
        }
        return (advantages, returns)
    }

    /// What an update did: mean losses over its minibatches.
    public struct UpdateStatistics: Sendable {
        public var policyLoss: Float
        public var valueLoss: Float
        public var entropy: Float
    }

    /// Several epochs of minibatch updates on the episodes collected with the current policy.
    @discardableResult
    public func update(_ episodes: [[Transition]]) -> UpdateStatistics {
        for episode in episodes { returnStatistics.add(Double(episode.reduce(0) { $0 + $1.reward })) }
        let episodes = episodes.map(returnStatistics.standardized)
        let transitions = episodes.flatMap { $0 }
        guard !transitions.isEmpty else { return UpdateStatistics(policyLoss: 0, valueLoss: 0, entropy: 0) }
        var (advantages, returns) = advantages(episodes)
        // Normalized advantages: the step size then does not depend on the reward's scale.
        let mean = advantages.reduce(0, +) / Float(advantages.count)
        let std = (advantages.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(advantages.count)).squareRoot()
        advantages = advantages.map { ($0 - mean) / (std + 1e-8) }
        var totals = (policy: Float(0), value: Float(0), entropy: Float(0)), batches = 0
        for _ in 0..<settings.epochs {
            var order = Array(transitions.indices)
            order.shuffle(using: &random)
            for start in stride(from: 0, to: order.count, by: settings.minibatch) {
                let batch = order[start..<min(order.count, start + settings.minibatch)]
                let tape = Tape()
                var policyTerms = [Variable](), valueTerms = [Variable](), entropyTerms = [Variable]()
                for i in batch {
                    let t = transitions[i]
                    let (logProbabilities, value) = model.evaluate(tape, t.graph, node: t.node, candidateFeatures: t.candidates, allowed: t.allowed)
                    let ratio = tape.exp(tape.add(tape.pick(logProbabilities, columns: [t.action]),
                                                  tape.constant(Matrix(rows: 1, columns: 1, values: [-t.logProbability]))))
                    let advantage = advantages[i]
                    let surrogate = tape.minimum(tape.scale(ratio, advantage),
                                                 tape.scale(tape.clamp(ratio, 1 - settings.clip, 1 + settings.clip), advantage))
                    policyTerms.append(surrogate)
                    let error = tape.add(value, tape.constant(Matrix(rows: 1, columns: 1, values: [-returns[i]])))
                    valueTerms.append(tape.multiply(error, error))
                    entropyTerms.append(tape.scale(tape.sum(tape.multiply(tape.exp(logProbabilities), logProbabilities)), -1))
                }
                let scale = 1 / Float(batch.count)
                let policy = tape.scale(sumAll(tape, policyTerms), -scale)
                let valueLoss = tape.scale(sumAll(tape, valueTerms), scale)
                let entropy = tape.scale(sumAll(tape, entropyTerms), scale)
                let loss = tape.add(tape.add(policy, tape.scale(valueLoss, settings.valueWeight)), tape.scale(entropy, -settings.entropyWeight))
                tape.backward(loss)
                optimizer.step(model.parameters)
                totals.policy += tape.value(policy).values[0]
                totals.value += tape.value(valueLoss).values[0]
                totals.entropy += tape.value(entropy).values[0]
                batches += 1
            }
        }
        let n = Float(max(batches, 1))
        return UpdateStatistics(policyLoss: totals.policy / n, valueLoss: totals.value / n, entropy: totals.entropy / n)
    }

    private func sumAll(_ tape: Tape, _ terms: [Variable]) -> Variable {
        terms.dropFirst().reduce(terms[0]) { tape.add($0, $1) }
    }
}

/// The running mean and variance of the episodes' returns (Welford), with which PPO standardizes
/// rewards before GAE: the critic then learns differences between episodes, not the reward's
/// offset. Without it, accuracies of 0.98 ± 0.005 leave the critic's early error (tenths) far
/// above the differences the actor should learn from, and on a 21-decision episode the actor saw
/// mostly that error.
public struct ReturnStatistics: Codable, Sendable {
    public private(set) var count = 0.0, mean = 0.0, squares = 0.0

    public init() {}

    mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / count
        squares += delta * (value - mean)
    }

    /// 1 until two returns differ.
    var standardDeviation: Double {
        let variance = count > 1 ? squares / (count - 1) : 0
        return variance > 1e-12 ? variance.squareRoot() : 1
    }

    /// The episode with every reward divided by the standard deviation and the mean taken off
    /// the last one, so that its return is standardized (γ = 1).
    func standardized(_ episode: [Transition]) -> [Transition] {
        let scale = Float(1 / standardDeviation)
        var episode = episode.map { t in
            var t = t
            t.reward *= scale
            return t
        }
        if !episode.isEmpty { episode[episode.count - 1].reward -= Float(mean) * scale }
        return episode
    }
}
