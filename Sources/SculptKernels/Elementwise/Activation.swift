import Foundation

/// A pointwise function that kernels apply to their outputs on the way out (fused) or that runs on
/// its own; the vector and scalar forms are the one definition both paths share.
public enum Activation: Sendable, Equatable, Hashable {
    case identity
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    /// max(0, min(1, alpha·x + beta))
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · hardSigmoid(x) with alpha 1/6, beta 1/2
    case hardSwish
    case tanh
    case erf
    case sqrt

    /// The scalar form, for the tails of vector loops.
    @inline(__always)
    public func apply(_ x: Float) -> Float {
        switch self {
        case .identity: x
        case .relu: Swift.max(x, 0)
        case .leakyRelu(let alpha): x < 0 ? alpha * x : x
        case .clip(let lo, let hi): Swift.min(Swift.max(x, lo), hi)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .hardSigmoid(let alpha, let beta): Swift.min(Swift.max(alpha * x + beta, 0), 1)
        case .hardSwish: x * Swift.min(Swift.max(x / 6 + 0.5, 0), 1)
        case .tanh: Foundation.tanh(x)
        case .erf: Foundation.erf(x)
        case .sqrt: x.squareRoot()
        }
    }

    @inline(__always)
    public func apply(_ x: Vector) -> Vector {
        switch self {
        case .identity: return x
        case .relu: return pointwiseMax(x, Vector())
        case .leakyRelu(let alpha): return x.replacing(with: x * alpha, where: x .< 0)
        case .clip(let lo, let hi): return x.clamped(lowerBound: Vector(repeating: lo), upperBound: Vector(repeating: hi))
        case .hardSigmoid(let alpha, let beta):
            return (x * alpha + beta).clamped(lowerBound: Vector(), upperBound: Vector(repeating: 1))
        case .hardSwish:
            return x * (x * (1 / 6) + 0.5).clamped(lowerBound: Vector(), upperBound: Vector(repeating: 1))
        case .sqrt: return x.squareRoot()
        case .sigmoid: return VectorMath.sigmoid(x)
        case .tanh: return VectorMath.tanh(x)
        case .erf: return VectorMath.erf(x)
        }
    }

    /// output[i] = f(input[i]) for `count` floats; `output` may be `input`.
    public func apply(_ input: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + Vector.scalarCount <= count {
            (output + i).store(apply((input + i).vector()))
            i += Vector.scalarCount
        }
        while i < count {
            output[i] = apply(input[i])
            i += 1
        }
    }
}
