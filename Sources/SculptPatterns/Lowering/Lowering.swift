import SculptGraph

/// Rewrites a masked model so that any engine runs it faster: shape-pattern layers become smaller
/// dense convolutions, removed channels leave the graph (docs/lowering.md).
public enum Lowering {
    /// `masked` (masks already applied) with the shape and channel masks lowered; other families stay as zeros.
    ///
    /// The result computes what `masked` computes, in fewer MACs and parameters. Throws, naming the
    /// node, where a mask cannot be lowered (a channel order that reaches an operator that cannot
    /// take it, a mask that is not a shape pattern the layer's pads can express).
    public static func lower(_ masked: Model, masks: ModelMasks) throws -> Model {
        guard masks.masks.contains(where: { $0.pattern.family == .shape || $0.pattern.family == .channels }) else { return masked }
        var lowering = try GraphLowering(masked, masks: masks)
        try lowering.run()
        var model = masked
        model.graph = lowering.graph
        return model
    }
}
