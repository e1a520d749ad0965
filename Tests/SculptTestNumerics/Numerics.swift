import SculptKernels

/// max |actual − expected| / max |expected|: the error relative to the output's scale.
public func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count, "comparing \(actual.count) values with \(expected.count)")
    var difference: Float = 0, scale: Float = 0
    for (a, e) in zip(actual, expected) {
        difference = max(difference, abs(a - e))
        scale = max(scale, abs(e))
    }
    return difference / max(scale, .leastNormalMagnitude)
}

/// Deterministic pseudo-random floats in [-1, 1) (SplitMix64), so failures reproduce.
public func seededFloats(_ count: Int, seed: UInt64) -> [Float] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in random.uniform(-1, 1) }
}
