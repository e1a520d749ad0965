/// Conversions between `Float` and IEEE 754 half-precision bit patterns.
///
/// Done by hand because Swift's `Float16` is unavailable on Intel Macs.
enum HalfPrecision {
    /// The exact `Float` value of a half-precision bit pattern.
    static func float(fromBits half: UInt16) -> Float {
        let sign: UInt32 = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1f
        let mantissa = UInt32(half & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa × 2^-24, exact in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }

    /// The half-precision bit pattern nearest to `value`, ties to even, as NumPy's `astype(float16)`.
    static func bits(from value: Float) -> UInt16 {
        let bits = value.bitPattern
        let sign = UInt16(truncatingIfNeeded: bits >> 16) & 0x8000
        let exponent = Int(bits >> 23) & 0xff
        let mantissa = bits & 0x7f_ffff
        if exponent == 0xff {
            // Infinity stays infinity; a NaN keeps its top payload bits, and at least one so it stays a NaN.
            return sign | 0x7c00 | (mantissa == 0 ? 0 : max(UInt16(mantissa >> 13), 1))
        }
        let halfExponent = exponent - 112
        if halfExponent >= 0x1f {
            return sign | 0x7c00
        }
        if halfExponent <= 0 {
            // Subnormal result: shift the full significand into the 10-bit field, then round.
            guard halfExponent >= -10 else { return sign }
            return sign | UInt16(roundShift(mantissa | 0x80_0000, by: UInt32(14 - halfExponent)))
        }
        // A carry out of the mantissa rightly bumps the exponent, up to infinity.
        let combined = UInt32(halfExponent) << 23 | mantissa
        return sign | UInt16(roundShift(combined, by: 13))
    }

    /// `value >> shift`, rounded to nearest with ties to even.
    private static func roundShift(_ value: UInt32, by shift: UInt32) -> UInt32 {
        let kept = value >> shift
        let remainder = value & (1 << shift - 1)
        let half: UInt32 = 1 << (shift - 1)
        return remainder > half || (remainder == half && kept & 1 == 1) ? kept + 1 : kept
    }
}
