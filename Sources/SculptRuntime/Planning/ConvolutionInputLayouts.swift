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
        try LayoutPlan(try fusion.nodes(running: kernels), tensors: fusion.tensors, graphOutputs: graphOutputs).convolutionInputs
    }
}
