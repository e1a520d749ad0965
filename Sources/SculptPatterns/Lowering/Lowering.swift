import SculptGraph

/// Rewrites a masked model so that any engine runs it faster: shape-pattern layers become smaller
/// dense convolutions, removed channels leave the graph.
public enum Lowering {
    /// `masked` (masks already applied) with the shape and channel masks lowered; other families stay as zeros.
    public static func lower(_ masked: Model, masks: ModelMasks) throws -> Model {
        if let mask = masks.masks.first(where: { $0.pattern.family == .shape || $0.pattern.family == .channels }) {
            throw PatternError.notApplicable(layer: mask.layer, reason: "lowering \(mask.pattern.family.rawValue) masks is not available yet")
        }
        return masked
    }
}
