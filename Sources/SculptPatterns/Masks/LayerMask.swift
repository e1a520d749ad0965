/// The weights of one layer that its pattern keeps.
public struct LayerMask: Sendable, Equatable {
    /// The layer's node name and the initializer names of its weight and bias.
    public var layer: String
    public var weight: String
    public var bias: String?
    public var pattern: PatternConfig
    /// One flag per weight element, in the initializer's order.
    public var keep: [Bool]
    /// Output channels removed whole: their bias is removed too, so that they output exactly zero
    /// (what lets the lowering take them out of the graph).
    public var removedOutputs: [Int]
    /// The sparse convolution kernel that runs the layer (`ConvolutionKernels.sparse`), if one does.
    public var kernel: String?

    public init(layer: String, weight: String, bias: String?, pattern: PatternConfig, keep: [Bool],
                removedOutputs: [Int] = [], kernel: String? = nil) {
        self.layer = layer
        self.weight = weight
        self.bias = bias
        self.pattern = pattern
        self.keep = keep
        self.removedOutputs = removedOutputs
        self.kernel = kernel
    }

    /// Weights kept.
    public var keptCount: Int { keep.reduce(0) { $0 + ($1 ? 1 : 0) } }
    /// Share of the weights kept.
    public var density: Double { keep.isEmpty ? 1 : Double(keptCount) / Double(keep.count) }
}
