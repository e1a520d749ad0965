import Foundation

/// Adam (Kingma & Ba) with bias correction, and gradient clipping by global norm.
public final class Adam {
    public var learningRate: Float
    public let beta1: Float
    public let beta2: Float
    public let epsilon: Float
    /// Gradients whose global L2 norm exceeds this are scaled down to it (PPO's usual 0.5).
    public let maxGradientNorm: Float?
    private var moments = [ObjectIdentifier: (m: [Float], v: [Float])]()
    private var steps = 0

    public init(learningRate: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8,
                maxGradientNorm: Float? = nil) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.maxGradientNorm = maxGradientNorm
    }

    /// The optimizer's moments and step count, in the order of `parameters`, for a checkpoint.
    public struct State: Codable, Sendable, Equatable {
        public var steps: Int
        public var first: [[Float]]
        public var second: [[Float]]
    }

    public func state(of parameters: [Parameter]) -> State {
        let zeros = { (p: Parameter) in [Float](repeating: 0, count: p.value.count) }
        return State(steps: steps, first: parameters.map { moments[ObjectIdentifier($0)]?.m ?? zeros($0) },
                     second: parameters.map { moments[ObjectIdentifier($0)]?.v ?? zeros($0) })
    }

    public func restore(_ state: State, of parameters: [Parameter]) {
        steps = state.steps
        for (i, p) in parameters.enumerated() { moments[ObjectIdentifier(p)] = (state.first[i], state.second[i]) }
    }

    /// One update of every parameter from its accumulated gradient, which is then zeroed.
    public func step(_ parameters: [Parameter]) {
        steps += 1
        var scale: Float = 1
        if let limit = maxGradientNorm {
            let norm = parameters.reduce(Float(0)) { total, p in p.gradient.values.reduce(total) { $0 + $1 * $1 } }.squareRoot()
            if norm > limit { scale = limit / norm }
        }
        let correction1 = 1 - pow(beta1, Float(steps)), correction2 = 1 - pow(beta2, Float(steps))
        for p in parameters {
            var (m, v) = moments[ObjectIdentifier(p)] ?? ([Float](repeating: 0, count: p.value.count), [Float](repeating: 0, count: p.value.count))
            for i in p.value.values.indices {
                let g = p.gradient.values[i] * scale
                m[i] = beta1 * m[i] + (1 - beta1) * g
                v[i] = beta2 * v[i] + (1 - beta2) * g * g
                p.value.values[i] -= learningRate * (m[i] / correction1) / ((v[i] / correction2).squareRoot() + epsilon)
            }
            moments[ObjectIdentifier(p)] = (m, v)
            p.zeroGradient()
        }
    }
}
