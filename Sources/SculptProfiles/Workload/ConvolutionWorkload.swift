import SculptKernels
import SculptPatterns

/// A 2-D convolution with "same" padding as it runs inside a network: dense, with the kernel and
/// layouts the runtime prefers for its shape and the spec's input layout (channel-blocked where
/// the kernel supports them; depthwise when groups equal the channels), or pruned by the spec's
/// pattern (the mask chosen from the random weights by the real mask selection) on the sparse
/// kernel that runs it. When that kernel reads the other layout than the one the input arrives
/// in (groups of 4 and PatDNN's kernels read planar input; the layer before wrote blocked), the
/// conversion the runtime inserts before it is part of the run.
final class ConvolutionWorkload: Workload {
    let kernelName: String
    private let convolution: any PreparedConvolution
    private let input: UnsafeMutableBufferPointer<Float>
    private let output: UnsafeMutableBufferPointer<Float>
    /// The input as it arrives, when the kernel reads the other layout: converted into `input` on every run.
    private let arriving: UnsafeMutableBufferPointer<Float>?
    private let blocks: (batch: Int, channels: Int, plane: Int)
    private let kernelInput: TensorLayout
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
        let kernel = spec.pattern.kernel(for: shape, input: spec.inputLayout)
        try WorkloadBuilder.prune(weight, of: ConvolutionWorkload.layer(shape), by: spec.pattern)
        defer {
            weight.deallocate()
            bias.deallocate()
        }
        convolution = kernel.prepare(shape, weight.baseAddress!, bias.baseAddress!)
        // "reorder+…" when the run converts the input first.
        kernelName = (kernel.layouts.input == spec.inputLayout ? "" : "reorder+") + kernel.name
        self.pool = pool
        workspace = Workspace(parts: pool.threadCount)
        convolution.reserve(in: workspace)
        let blocks = (batch: shape.batch, channels: shape.inChannels, plane: shape.height * shape.width)
        self.blocks = blocks
        func inputBuffer(_ layout: TensorLayout) -> UnsafeMutableBufferPointer<Float> {
            let planar = random.buffer(shape.inputCount)
            guard layout == .blocked else { return planar }
            let blocked = UnsafeMutableBufferPointer<Float>.allocate(capacity: ChannelBlocks.floats(batch: blocks.batch, channels: blocks.channels,
                                                                                                    plane: blocks.plane))
            ChannelBlocks.block(planar.baseAddress!, into: blocked.baseAddress!, batch: blocks.batch, channels: blocks.channels,
                                plane: blocks.plane, pool: pool)
            planar.deallocate()
            return blocked
        }
        kernelInput = kernel.layouts.input
        input = inputBuffer(kernel.layouts.input)
        arriving = kernel.layouts.input == spec.inputLayout ? nil : inputBuffer(spec.inputLayout)
        let outPlane = shape.outHeight * shape.outWidth
        output = .allocate(capacity: kernel.layouts.output == .blocked
            ? ChannelBlocks.floats(batch: shape.batch, channels: shape.outChannels, plane: outPlane)
            : shape.outputCount)
        output.initialize(repeating: 0)
    }

    deinit {
        input.deallocate()
        output.deallocate()
        arriving?.deallocate()
    }

    func run() {
        if let arriving {
            ChannelBlocks.convert(arriving.baseAddress!, into: input.baseAddress!, to: kernelInput, batch: blocks.batch,
                                  channels: blocks.channels, plane: blocks.plane, pool: pool)
        }
        convolution.run(input: input.baseAddress!, output: output.baseAddress!, residual: nil, activation: .identity,
                        pool: pool, workspace: workspace)
    }
}
