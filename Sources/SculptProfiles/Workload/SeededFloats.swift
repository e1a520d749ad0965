/// Deterministic pseudo-random floats in [-1, 1) (SplitMix64): the same spec always measures
/// the same numbers, which matters for kernels whose speed depends on the values (denormals).
struct SeededFloats {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> Float {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) / Float(1 << 23) - 1
    }

    /// A new buffer of `count` floats, filled.
    mutating func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: max(1, count))
        for i in buffer.indices { buffer[i] = next() }
        return buffer
    }
}
