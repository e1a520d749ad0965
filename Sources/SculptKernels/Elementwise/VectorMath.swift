import Foundation

/// Vector forms of the transcendental functions the runtime needs (exp, erf, sigmoid, tanh),
/// accurate to a few float ulps: Cephes-style range reduction and minimax polynomials.
public enum VectorMath {
    /// Horner's rule: c₀·xⁿ + c₁·xⁿ⁻¹ + … + cₙ.
    @inline(__always)
    static func polynomial(_ x: Vector, _ coefficients: (Float, Float, Float, Float, Float, Float)) -> Vector {
        var p = Vector(repeating: coefficients.0)
        p = p * x + Vector(repeating: coefficients.1)
        p = p * x + Vector(repeating: coefficients.2)
        p = p * x + Vector(repeating: coefficients.3)
        p = p * x + Vector(repeating: coefficients.4)
        p = p * x + Vector(repeating: coefficients.5)
        return p
    }

    @inline(__always)
    static func magnitude(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x7fff_ffff, to: Vector.self)
    }

    @inline(__always)
    static func withSign(of x: Vector, _ magnitude: Vector) -> Vector {
        let sign = unsafeBitCast(x, to: SIMD16<UInt32>.self) & 0x8000_0000
        return unsafeBitCast(unsafeBitCast(magnitude, to: SIMD16<UInt32>.self) | sign, to: Vector.self)
    }

    /// e^x: x = n·ln2 + r with |r| ≤ ln2/2, e^r by a degree-6 polynomial, 2^n built in the exponent bits.
    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        let clamped = clamp(x, -87.3, 88.72)
        let n = (clamped * 1.44269504088896341).rounded(.toNearestOrEven)
        // ln2 split in two so that r keeps full precision.
        var r = clamped - n * 0.693359375
        r = r + n * 2.12194440e-4
        let p = polynomial(r, (1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1))
        let e = p * r * r + r + 1
        // n as an integer without a float-to-int conversion (the standard library's generic one is
        // a function call per vector): adding 1.5·2²³ puts n in the low mantissa bits.
        let whole = unsafeBitCast(n + 12_582_912, to: SIMD16<Int32>.self) &- 0x4B40_0000
        // 2^n as two factors, so that n = 128 (x near ln(FLT_MAX)) stays finite.
        let half = whole &>> 1
        let first = unsafeBitCast((half &+ 127) &<< 23, to: Vector.self)
        let second = unsafeBitCast((whole &- half &+ 127) &<< 23, to: Vector.self)
        return e * first * second
    }

    /// erf(x) = 1 − t·e^(−x² + P(t)), t = 1 / (1 + |x|/2) (Numerical Recipes' erfc, relative error < 1.2e-7).
    @inline(__always)
    public static func erf(_ x: Vector) -> Vector {
        let z = magnitude(x)
        let t = 1 / (1 + 0.5 * z)
        var p = polynomial(t, (0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806))
        p = p * t + Vector(repeating: 0.09678418)
        p = p * t + Vector(repeating: 0.37409196)
        p = p * t + Vector(repeating: 1.00002368)
        p = p * t + Vector(repeating: -1.26551223)
        let erfc = t * exp(p - z * z)
        return withSign(of: x, 1 - erfc)
    }

    @inline(__always)
    public static func sigmoid(_ x: Vector) -> Vector { 1 / (1 + exp(-x)) }

    @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        let e = exp(-2 * magnitude(x))
        return withSign(of: x, (1 - e) / (1 + e))
    }
}
