/// A seeded random number generator (SplitMix64): a search with `--seed` repeats exactly, and a
/// kernel spec is always measured on the same inputs and weights.
public struct SeededRandom: RandomNumberGenerator, Sendable, Codable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A float uniform in `low..<high`.
    public mutating func uniform(_ low: Float, _ high: Float) -> Float {
        low + (high - low) * Float(next() >> 40) / Float(1 << 24)
    }

    /// `count` floats uniform in [-1, 1), in a new buffer the caller deallocates.
    public mutating func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, count))
        for i in buffer.indices { buffer[i] = uniform(-1, 1) }
        return buffer
    }

    /// An index drawn with the given probabilities (which sum to 1).
    public mutating func categorical(_ probabilities: [Float]) -> Int {
        var u = uniform(0, 1)
        for (i, p) in probabilities.enumerated() {
            u -= p
            if u < 0 { return i }
        }
        return probabilities.count - 1
    }
}
