import SculptSearch
import Testing

/// PPO with the GATv2 actor-critic learns a small sequential task on a graph, respects the
/// allowed candidates, and repeats exactly with the same seed.
@Suite struct PPOTests {
    /// A chain of 5 nodes; node i must pick `target[i]` of 3 candidates; node 2 may not pick 1.
    /// Features: the node's position (one-hot), its current choice (one-hot), whether it is decided.
    struct ChainTask {
        static let target = [2, 0, 2, 1, 0]
        static let allowed: [[Bool]] = (0..<5).map { $0 == 2 ? [true, false, true] : [true, true, true] }

        /// The candidates carry no information but which one they are.
        static let candidates = Matrix(rows: 3, columns: 3, values: [1, 0, 0, 0, 1, 0, 0, 0, 1])

        static func graph(_ choices: [Int?]) -> GraphInput {
            var features = Matrix(zeros: 5, 9)
            for i in 0..<5 {
                features[i, i] = 1
                if let c = choices[i] { features[i, 5 + c] = 1; features[i, 8] = 1 }
            }
            return GraphInput(features: features, sources: [0, 1, 2, 3], targets: [1, 2, 3, 4], edgeFeatures: [1, 1, 1, 1])
        }

        /// One episode; the reward (share of correct choices) comes with the last decision.
        static func episode(_ ppo: PPO, greedy: Bool = false) -> (transitions: [Transition], reward: Float) {
            var choices = [Int?](repeating: nil, count: 5), transitions = [Transition]()
            for node in 0..<5 {
                let t = ppo.act(graph(choices), node: node, candidates: candidates, allowed: allowed[node], greedy: greedy)
                #expect(allowed[node][t.action], "an excluded candidate was chosen")
                choices[node] = t.action
                transitions.append(t)
            }
            let reward = Float((0..<5).filter { choices[$0] == target[$0] }.count) / 5
            transitions[4].reward = reward
            return (transitions, reward)
        }
    }

    static func train(seed: UInt64, updates: Int) -> (ppo: PPO, rewards: [Float]) {
        let ppo = PPO(model: ActorCritic(features: 9, candidateFeatures: 3, candidates: 3, hidden: 16, seed: seed), seed: seed)
        var rewards = [Float]()
        for _ in 0..<updates {
            let episodes = (0..<8).map { _ in ChainTask.episode(ppo) }
            rewards.append(episodes.map(\.reward).reduce(0, +) / 8)
            ppo.update(episodes.map(\.transitions))
        }
        return (ppo, rewards)
    }

    @Test func learnsTheTask() {
        let (ppo, rewards) = Self.train(seed: 1, updates: 200)
        // A uniform policy scores about 0.37; the greedy policy after training gets everything right.
        // (The actor scores candidates from their features, here only which one each is, so telling
        // the nodes apart takes it about 170 updates.)
        #expect(rewards.prefix(3).reduce(0, +) / 3 < 0.6)
        #expect(ChainTask.episode(ppo, greedy: true).reward == 1)
        #expect(rewards.suffix(5).reduce(0, +) / 5 > 0.8)
    }

    @Test func sameSeedSameRun() {
        let a = Self.train(seed: 7, updates: 3), b = Self.train(seed: 7, updates: 3), c = Self.train(seed: 8, updates: 3)
        #expect(a.rewards == b.rewards)
        #expect(a.ppo.model.parameters.map(\.value) == b.ppo.model.parameters.map(\.value))
        #expect(a.ppo.model.parameters.map(\.value) != c.ppo.model.parameters.map(\.value))
    }

    @Test func advantagesFollowGAE() {
        let ppo = PPO(model: ActorCritic(features: 9, candidateFeatures: 3, candidates: 3, hidden: 8, seed: 1), seed: 1)
        let g = ChainTask.graph([nil, nil, nil, nil, nil])
        let c = ChainTask.candidates
        let steps = [Transition(graph: g, node: 0, candidates: c, allowed: [true, true, true], action: 0, logProbability: -1, value: 0.5),
                     Transition(graph: g, node: 1, candidates: c, allowed: [true, true, true], action: 0, logProbability: -1, value: 0.2,
                                reward: 1)]
        let (advantages, returns) = ppo.advantages([steps])
        // γ = 1, λ = 0.95: δ1 = 1 − 0.2, δ0 = 0 + 0.2 − 0.5; A0 = δ0 + 0.95 δ1.
        #expect(abs(advantages[1] - 0.8) < 1e-6 && abs(advantages[0] - (-0.3 + 0.95 * 0.8)) < 1e-6)
        #expect(abs(returns[0] - (advantages[0] + 0.5)) < 1e-6)
    }
}
