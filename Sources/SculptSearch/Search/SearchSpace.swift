import SculptPatterns

/// The configurations the agent chooses from, the same list for every layer; a layer is offered
/// those whose family fits it and that our runtime makes faster.
public enum SearchSpace {
    public static let candidates: [PatternConfig] = [
        .dense,
        PatternConfig(family: .grouped, keep: 6, group: 16),
        PatternConfig(family: .grouped, keep: 5, group: 16),
        PatternConfig(family: .grouped, keep: 4, group: 16),
        PatternConfig(family: .grouped, keep: 3, group: 16),
        PatternConfig(family: .grouped, keep: 4, group: 16, connectivity: 0.5),
        PatternConfig(family: .connectivity, group: 16, connectivity: 0.25),
        PatternConfig(family: .connectivity, group: 16, connectivity: 0.5),
    ]

    /// Which candidates `layer` may take: dense always; the others where their family fits a
    /// convolution (linear layers stay dense: our runtime has no sparse linear kernel yet).
    public static func allowed(for layer: PrunableLayer) -> [Bool] {
        candidates.map { candidate in
            guard candidate.family != .dense else { return true }
            guard case .convolution = layer.kind, layer.families.contains(candidate.family) else { return false }
            // Grouped patterns are for 3x3 kernels; connectivity alone for the other convolutions.
            if case .convolution(let s) = layer.kind, candidate.family == .connectivity {
                return !(s.kernelHeight == 3 && s.kernelWidth == 3)
            }
            return true
        }
    }
}
