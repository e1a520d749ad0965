import SculptKernels
import SculptPatterns

/// A 2-D convolution with "same" padding as it runs inside a network: dense, with the kernel and
/// layouts the runtime prefers for its shape and the spec's input layout (channel-blocked where
/// the kernel supports them; depthwise when groups equal the channels), or pruned by the spec's
/// pattern (the mask chosen from the random weights by the real mask selection) on the sparse
/// kernel that runs it.
final class ConvolutionWorkload: Workload {
    let kernelName: String
    private let convolution: any PreparedConvolution
    private let input: UnsafeMutableBufferPointer<Float>
    private let output: UnsafeMutableBufferPointer<Float>
    private let pool: ThreadPool
    private let workspace: Workspace

    /// The spec's shape as a prunable layer, for mask selection and for checking that its pattern applies.
    static func layer(_ shape: ConvolutionShape) -> PrunableLayer {
        PrunableLayer(name: "spec", opType: "Conv", weight: "weight", bias: nil, kind: .convolution(shape), macs: shape.macs, couplingGroup: nil)
    }

    init(spec: KernelSpec, pool: ThreadPool, seed: UInt64) throws(SpecError) {
        let shape = spec.convolutionShape
        var random = SeededRandom(seed: seed)
        let weight = random.buffer(shape.weightCount), bias = random.buffer(shape.outChannels)
        let kernel = spec.pattern.sparseKernel.map { ConvolutionKernels.variant(of: $0, for: shape, input: spec.inputLayout) }
            ?? ConvolutionKernels.preferred(for: shape, input: spec.inputLayout)
        try WorkloadBuilder.prune(weight, of: ConvolutionWorkload.layer(shape), by: spec.pattern)
        defer {
            weight.deallocate()
            bias.deallocate()
        }
        convolution = kernel.prepare(shape, weight.baseAddress!, bias.baseAddress!)
        kernelName = kernel.name
        self.pool = pool
        workspace = Workspace(parts: pool.threadCount)
        convolution.reserve(in: workspace)
        let planarInput = random.buffer(shape.inputCount)
        if kernel.layouts.input == .blocked {
            input = .allocate(capacity: ChannelBlocks.floats(batch: shape.batch, channels: shape.inChannels, plane: shape.height * shape.width))
            ChannelBlocks.block(planarInput.baseAddress!, into: input.baseAddress!, batch: shape.batch,
                                channels: shape.inChannels, plane: shape.height * shape.width, pool: pool)
            planarInput.deallocate()
        } else {
            input = planarInput
        }
        let outPlane = shape.outHeight * shape.outWidth
        output = .allocate(capacity: kernel.layouts.output == .blocked
            ? ChannelBlocks.floats(batch: shape.batch, channels: shape.outChannels, plane: outPlane)
            : shape.outputCount)
        output.initialize(repeating: 0)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    func run() {
        convolution.run(input: input.baseAddress!, output: output.baseAddress!, residual: nil, activation: .identity,
                        pool: pool, workspace: workspace)
    }
}
