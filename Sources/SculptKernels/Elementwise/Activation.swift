import Foundation

/// A pointwise function that kernels apply to their outputs on the way out (fused) or that runs on
/// its own; the vector and scalar forms are the one definition both paths share.
public enum Activation: Sendable, Equatable, Hashable {
    case identity
    case relu
    case leakyRelu(alpha: Float)
    case clip(min: Float, max: Float)
    case sigmoid
    /// x · sigmoid(x) (also called swish)
    case silu
    /// max(0, min(1, alpha·x + beta))
    case hardSigmoid(alpha: Float, beta: Float)
    /// x · hardSigmoid(x) with alpha 1/6, beta 1/2
    case hardSwish
    case tanh
    case erf
    case sqrt
    case exp

    /// The textbook scalar form (libm), which reference kernels use; fast kernels use the vector
    /// forms, which agree with it to a few ulps.
    public func reference(_ x: Float) -> Float {
        switch self {
        case .identity: x
        case .relu: Swift.max(x, 0)
        case .leakyRelu(let alpha): x < 0 ? alpha * x : x
        case .clip(let lo, let hi): Swift.min(Swift.max(x, lo), hi)
        case .sigmoid: 1 / (1 + Foundation.exp(-x))
        case .silu: x / (1 + Foundation.exp(-x))
        case .hardSigmoid(let alpha, let beta): Swift.min(Swift.max(alpha * x + beta, 0), 1)
        case .hardSwish: x * Swift.min(Swift.max(x / 6 + 0.5, 0), 1)
        case .tanh: Foundation.tanh(x)
        case .erf: Foundation.erf(x)
        case .sqrt: x.squareRoot()
        case .exp: Foundation.exp(x)
        }
    }

    /// output[i] = f(input[i]) for `count` floats; `output` may be `input`.
    ///
    /// The switch over the function runs once per call, outside the loop, so kernels call this
    /// on whole rows or tiles rather than per vector.
    public func apply(_ input: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .identity:
            if UnsafePointer(output) != input { output.update(from: input, count: count) }
        case .relu: map(input, output, count) { maximum($0, Vector()) }
        case .leakyRelu(let alpha): map(input, output, count) { $0.replacing(with: $0 * alpha, where: $0 .< 0) }
        case .clip(let lo, let hi): map(input, output, count) { clamp($0, lo, hi) }
        case .hardSigmoid(let alpha, let beta): map(input, output, count) { clamp($0 * alpha + beta, 0, 1) }
        case .hardSwish: map(input, output, count) { $0 * clamp($0 * (1 / 6) + 0.5, 0, 1) }
        case .sqrt: map(input, output, count) { $0.squareRoot() }
        case .sigmoid: map(input, output, count) { VectorMath.sigmoid($0) }
        case .silu: map(input, output, count) { $0 * VectorMath.sigmoid($0) }
        case .tanh: map(input, output, count) { VectorMath.tanh($0) }
        case .erf: map(input, output, count) { VectorMath.erf($0) }
        case .exp: map(input, output, count) { VectorMath.exp($0) }
        }
    }

    /// The vector form of the piecewise-linear functions, small enough to inline into a kernel's
    /// epilogue and keep in registers; nil for the transcendental ones, which kernels apply
    /// afterwards with `apply(_:count:)`. Transparent, like `clamp`: with `@inline(__always)` it
    /// stayed a call in the dense convolution's epilogue.
    @_transparent
    func inlineForm(_ x: Vector) -> Vector? {
        switch self {
        case .identity: x
        case .relu: maximum(x, Vector())
        case .clip(let lo, let hi): clamp(x, lo, hi)
        case .hardSigmoid(let alpha, let beta): clamp(x * alpha + beta, 0, 1)
        case .hardSwish: x * clamp(x * (1 / 6) + 0.5, 0, 1)
        default: nil
        }
    }

    /// The bounds when the function is a clamp (identity, ReLU, Clip), which a kernel's epilogue
    /// applies as a maximum and a minimum, with no switch over the function per vector.
    public var clampBounds: (lower: Float, upper: Float)? {
        switch self {
        case .identity: (-.infinity, .infinity)
        case .relu: (0, .infinity)
        case .clip(let lo, let hi): (lo, hi)
        default: nil
        }
    }

    /// Whether `inlineForm` handles this function.
    public var isInlinable: Bool { inlineForm(Vector()) != nil }

    /// In place over `count` floats.
    @inline(__always)
    public func apply(_ data: UnsafeMutablePointer<Float>, count: Int) {
        apply(UnsafePointer(data), to: data, count: count)
    }

    /// Runs the vector form over whole vectors and the scalar form over the tail.
    @inline(__always)
    private func map(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, _ count: Int,
                     _ vectorForm: (Vector) -> Vector) {
        var i = 0
        while i + Vector.scalarCount <= count {
            (output + i).store(vectorForm((input + i).vector()))
            i += Vector.scalarCount
        }
        guard i < count else { return }
        // The tail through one vector, so that every element sees the same (vector) definition.
        var tail = Vector()
        for j in i..<count { tail[j - i] = input[j] }
        tail = vectorForm(tail)
        for j in i..<count { output[j] = tail[j - i] }
    }
}
