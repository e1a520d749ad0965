import SculptGraph
import SculptKernels

/// The layout each convolution's input arrives in when the model's convolutions run given
/// kernels, as the runtime plans it.
///
/// A layer's speed depends on it: a convolution that reads the other layout than the one its
/// input arrives in runs another variant of its kernel, or after a conversion. Which layout
/// arrives follows from the kernels before it (groups of 4 write planar tensors, dense and groups
/// of 16 channel-blocked ones) and from the operators in between, which is what a search
/// pricing a configuration needs and what `LayoutPlan` decides.
public struct ConvolutionInputLayouts {
    private let fusion: Fusion
    private let graphOutputs: [String]

    /// The model planned at batch 1 and its declared input shapes.
    public init(_ model: Model) throws {
        let shaped = try model.specialized()
        fusion = try Fusion(shaped)
        graphOutputs = shaped.graph.outputs.map(\.name)
    }

    /// The input layout of every Conv node, by name, when those named in `kernels` run those
    /// kernels and the others the runtime's choice.
    public func callAsFunction(kernels: [String: ConvolutionKernel]) throws -> [String: TensorLayout] {
        try plan(kernels).convolutionInputs
    }

    /// The layout conversions the runtime inserts when those named in `kernels` run those kernels
    /// and the others the runtime's choice, in the order it runs them.
    public func conversions(kernels: [String: ConvolutionKernel]) throws -> [LayoutConversion] {
        let plan = try plan(kernels)
        return plan.steps.compactMap { step in
            guard case .convert(let from, let to, let layout) = step, let shape = plan.tensors[from]?.shape else { return nil }
            return LayoutConversion(batch: shape[0], channels: shape[1], height: shape[2], width: shape[3],
                                    from: layout == .planar ? .blocked : .planar, convolution: plan.convolutionInputCopies[to])
        }
    }

    private func plan(_ kernels: [String: ConvolutionKernel]) throws -> LayoutPlan {
        try LayoutPlan(try fusion.nodes(running: kernels), tensors: fusion.tensors, graphOutputs: graphOutputs)
    }
}

/// A tensor the runtime copies into the other layout: `batch` × `channels` × `height` ×
/// `width`, arriving in `from`.
public struct LayoutConversion: Hashable, Sendable {
    public var batch: Int
    public var channels: Int
    public var height: Int
    public var width: Int
    public var from: TensorLayout
    /// The convolution whose input the copy is, if it is one: the kernel reads the other layout
    /// than its input arrives in.
    public var convolution: String?

    public init(batch: Int, channels: Int, height: Int, width: Int, from: TensorLayout, convolution: String? = nil) {
        (self.batch, self.channels, self.height, self.width, self.from, self.convolution) = (batch, channels, height, width, from, convolution)
    }
}
