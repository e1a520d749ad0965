import SculptPatterns

/// The configurations the agent chooses from, the same list for every layer; a layer is offered
/// those whose family fits it and that our runtime has a kernel for.
///
/// Several rates of each family our sparse kernels run, and both layouts of the tap patterns
/// (grouped by 16 and by 4 output channels, and PatDNN's per kernel): which one is fastest for a
/// layer's shape on a CPU is what the measured latencies tell the agent, and finer groups cost
/// less accuracy.
public enum SearchSpace {
    public static let candidates: [PatternConfig] =
        [.dense]
        + [6, 5, 4, 3, 2].map { PatternConfig(family: .grouped, keep: $0, group: 16) }
        + [PatternConfig(family: .grouped, keep: 5, group: 16, connectivity: 0.25),
           PatternConfig(family: .grouped, keep: 4, group: 16, connectivity: 0.5)]
        + [6, 5, 4, 3].map { PatternConfig(family: .grouped, keep: $0, group: 4) }
        + [PatternConfig(family: .grouped, keep: 4, group: 4, connectivity: 0.5)]
        + [6, 4].map { PatternConfig(family: .kernel, keep: $0) }
        + [0.25, 0.5, 0.75].map { PatternConfig(family: .connectivity, group: 16, connectivity: $0) }

    /// Which candidates `layer` may take: dense always; the others where their family fits it.
    /// Tap patterns are for 3x3 convolutions; connectivity alone for the other convolutions and
    /// for linear layers (inputs removed per block of 16 outputs, which the runtime's
    /// matrix-vector products skip).
    public static func allowed(for layer: PrunableLayer) -> [Bool] {
        candidates.map { candidate in
            guard candidate.family != .dense else { return true }
            guard layer.families.contains(candidate.family) else { return false }
            switch layer.kind {
            case .convolution(let s) where candidate.family == .connectivity: return !(s.kernelHeight == 3 && s.kernelWidth == 3)
            case .convolution: return true
            case .linear: return candidate.family == .connectivity
            }
        }
    }

    /// The configuration that puts candidate `choices[i]` on `layers[i]`.
    public static func config(layers: [PrunableLayer], choices: [Int]) -> PruningConfig {
        PruningConfig(default: .dense, layers: Dictionary(uniqueKeysWithValues: zip(layers, choices).map { ($0.name, candidates[$1]) }))
    }
}
