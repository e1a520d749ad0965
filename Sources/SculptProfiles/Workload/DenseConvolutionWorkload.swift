import SculptKernels

/// A dense 2-D convolution with the kernel and layouts the runtime prefers for its shape inside
/// a network (channel-blocked tensors where the kernel supports them; depthwise when groups
/// equal the channels), "same" padding.
final class DenseConvolutionWorkload: Workload {
    let kernelName: String
    private let convolution: any PreparedConvolution
    private let input: UnsafeMutableBufferPointer<Float>
    private let output: UnsafeMutableBufferPointer<Float>
    private let pool: ThreadPool
    private let workspace: Workspace

    init(spec: KernelSpec, pool: ThreadPool, seed: UInt64) {
        let shape = ConvolutionShape(batch: spec.batch, inChannels: spec.inChannels, outChannels: spec.outChannels,
                                     height: spec.height, width: spec.width, kernel: spec.kernel,
                                     stride: spec.stride, groups: spec.groups)
        let kernel = ConvolutionKernels.preferred(for: shape, input: .blocked)
        var random = SeededFloats(seed: seed)
        let weight = random.buffer(shape.weightCount), bias = random.buffer(shape.outChannels)
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
