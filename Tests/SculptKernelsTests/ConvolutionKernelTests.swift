import SculptKernels
import SculptTestNumerics
import Testing

/// Every convolution kernel in the registry against the reference, over the shapes it supports:
/// strides, padding, dilation, groups, batches, odd sizes, fused residual and activation.
@Suite struct ConvolutionKernelTests {
    static let shapes: [ConvolutionShape] = [
        ConvolutionShape(inChannels: 3, outChannels: 16, height: 9, width: 11, kernel: 3),
        ConvolutionShape(inChannels: 16, outChannels: 16, height: 14, width: 14, kernel: 3, stride: 2),
        ConvolutionShape(inChannels: 5, outChannels: 21, height: 7, width: 13, kernel: 1),
        ConvolutionShape(inChannels: 8, outChannels: 40, height: 6, width: 5, kernel: 1, stride: 2),
        ConvolutionShape(batch: 2, inChannels: 6, outChannels: 17, height: 10, width: 9, kernel: 5),
        ConvolutionShape(inChannels: 3, outChannels: 8, height: 23, width: 23, kernelHeight: 7, kernelWidth: 7,
                         strideY: 2, strideX: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3),
        ConvolutionShape(inChannels: 4, outChannels: 6, height: 12, width: 10, kernelHeight: 3, kernelWidth: 2,
                         strideY: 1, strideX: 3, dilationY: 2, dilationX: 1, padTop: 2, padLeft: 0, padBottom: 1, padRight: 1),
        ConvolutionShape(inChannels: 12, outChannels: 18, height: 8, width: 8, kernel: 3, groups: 3),
        ConvolutionShape(inChannels: 24, outChannels: 24, height: 17, width: 19, kernel: 3, groups: 24),
        ConvolutionShape(inChannels: 32, outChannels: 32, height: 15, width: 40, kernel: 3, stride: 2, groups: 32),
        ConvolutionShape(batch: 3, inChannels: 10, outChannels: 10, height: 5, width: 70, kernel: 5, groups: 10),
        ConvolutionShape(inChannels: 64, outChannels: 70, height: 7, width: 7, kernel: 3),
        ConvolutionShape(inChannels: 300, outChannels: 20, height: 4, width: 4, kernel: 3),
        ConvolutionShape(inChannels: 1, outChannels: 4, height: 1, width: 40, kernelHeight: 1, kernelWidth: 5,
                         padLeft: 2, padRight: 2),
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        var kernel: ConvolutionKernel
        var shape: ConvolutionShape
        var width: VectorWidth
        var testDescription: String { "\(kernel.name) \(shape) \(width.lanes) lanes" }
    }

    /// Each kernel on each shape it supports, with the register tiles of every width it has:
    /// the 8-lane tiles of AVX2 and NEON boards run on an AVX-512 machine too, and the reverse.
    static let cases = ConvolutionKernels.all.flatMap { kernel in
        shapes.filter(kernel.supports).flatMap { shape in kernel.widths.map { Case(kernel: kernel, shape: shape, width: $0) } }
    }

    @Test(arguments: cases, [1, 2])
    func matchesReference(_ c: Case, threads: Int) {
        Self.expectMatchesReference(c.shape, layouts: c.kernel.layouts, threads: threads) {
            c.kernel.prepare($0, $1, $2, width: c.width)
        }
    }

    /// The width a kernel is prepared at reaches its register tiles, so that the cases above
    /// really run both: blocks of 1 or 4 vectors of filters in the direct convolution, tiles of
    /// 8- or 16-float vectors in the pattern convolution.
    @Test func theWidthChoosesTheTiles() {
        let s = Self.shapes[0], weight = Buffer(random: s.weightCount, seed: 2)
        for kernel in ConvolutionKernels.all where kernel.widths.count > 1 {
            for width in kernel.widths {
                switch kernel.prepare(s, weight.pointer, nil, width: width) {
                case let direct as DirectConvolution: #expect(direct.blockVectors == DirectConvolution.blockVectors(for: width))
                case let pattern as PatternConvolution: #expect(pattern.width == width)
                case let other: Issue.record("\(kernel.name) has tiles of both widths, but prepares a \(type(of: other))")
                }
            }
        }
    }

    /// The direct convolution with each width of filter block, whichever the CPU would choose:
    /// 1 to 4 vectors of 16 filters, with the tails of channel counts that do not fill a block.
    @Test(arguments: [1, 2, 3, 4])
    func directConvolutionWithEveryBlockWidth(vectors: Int) {
        let layouts: [(TensorLayout, TensorLayout)] = [(.planar, .planar), (.planar, .blocked), (.blocked, .blocked)]
        for shape in Self.shapes {
            for (input, output) in layouts where output == .planar || DirectConvolution.canWriteBlocked(shape) {
                Self.expectMatchesReference(shape, layouts: (input, output), threads: 2) { s, weight, bias in
                    DirectConvolution(shape: s, weight: weight, bias: bias, inputLayout: input, outputLayout: output,
                                      blockVectors: vectors)
                }
            }
        }
    }

    /// Runs a prepared kernel with random inputs in `layouts`, with and without a fused residual
    /// and activation (a clamp, and one that is not: kernels apply the two differently), and
    /// compares its output with the reference convolution's.
    static func expectMatchesReference(
        _ s: ConvolutionShape, layouts: (input: TensorLayout, output: TensorLayout), threads: Int,
        prepare: (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>?) -> any PreparedConvolution
    ) {
        let input = Buffer(random: s.inputCount, seed: 1), weight = Buffer(random: s.weightCount, seed: 2)
        let bias = Buffer(random: s.outChannels, seed: 3), residual = Buffer(random: s.outputCount, seed: 4)
        let expected = Buffer(zeros: s.outputCount)
        ReferenceConvolution.run(s, input: input.pointer, weight: weight.pointer, bias: bias.pointer, output: expected.pointer)
        let reference = zip(expected.values, residual.values).map { Activation.clip(min: -1, max: 2).reference($0 + $1) }

        let (pool, workspace) = machinery(threads: threads)
        let kernel = prepare(s, weight.pointer, bias.pointer)
        kernel.reserve(in: workspace)
        // Inputs and outputs in the kernel's layouts, compared in NCHW.
        let (inLayout, outLayout) = layouts
        let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
        let x = Layouts.convert(input, to: inLayout, batch: s.batch, channels: s.inChannels, plane: plane, pool: pool)
        let r = Layouts.convert(residual, to: outLayout, batch: s.batch, channels: s.outChannels, plane: outPlane, pool: pool)
        let y = Buffer(zeros: outLayout == .blocked ? ChannelBlocks.floats(batch: s.batch, channels: s.outChannels, plane: outPlane) : s.outputCount)
        kernel.run(input: x.pointer, output: y.pointer, residual: r.pointer, activation: .clip(min: -1, max: 2), pool: pool, workspace: workspace)
        #expect(relativeError(Layouts.planar(y, from: outLayout, batch: s.batch, channels: s.outChannels, plane: outPlane, pool: pool),
                              reference) <= 1e-5)

        // Without the fused residual and activation, the plain convolution.
        kernel.run(input: x.pointer, output: y.pointer, residual: nil, activation: .identity, pool: pool, workspace: workspace)
        #expect(relativeError(Layouts.planar(y, from: outLayout, batch: s.batch, channels: s.outChannels, plane: outPlane, pool: pool),
                              expected.values) <= 1e-5)

        kernel.run(input: x.pointer, output: y.pointer, residual: r.pointer, activation: .sigmoid, pool: pool, workspace: workspace)
        #expect(relativeError(Layouts.planar(y, from: outLayout, batch: s.batch, channels: s.outChannels, plane: outPlane, pool: pool),
                              zip(expected.values, residual.values).map { Activation.sigmoid.reference($0 + $1) }) <= 1e-5)
    }

    @Test func runtimeChoosesASupportingKernel() {
        for shape in Self.shapes {
            for input in [TensorLayout.planar, .blocked] {
                #expect(ConvolutionKernels.preferred(for: shape, input: input).supports(shape))
            }
        }
        #expect(ConvolutionKernels.preferred(for: Self.shapes[8], input: .blocked).name == "depthwise-blocked")
        #expect(ConvolutionKernels.preferred(for: Self.shapes[0], input: .planar).name == "direct-planar-to-blocked")
        #expect(ConvolutionKernels.preferred(for: Self.shapes[2], input: .blocked).name == "direct-blocked")
        // Groups of 6 filters cannot fill channel blocks: planar.
        #expect(ConvolutionKernels.preferred(for: Self.shapes[7], input: .blocked).layouts == (.planar, .planar))
    }
}

/// Conversions between the layouts, for tests that feed kernels blocked tensors.
enum Layouts {
    static func convert(_ planar: Buffer, to layout: TensorLayout, batch: Int, channels: Int, plane: Int, pool: ThreadPool) -> Buffer {
        guard layout == .blocked else { return planar }
        let blocked = Buffer(zeros: ChannelBlocks.floats(batch: batch, channels: channels, plane: plane))
        ChannelBlocks.block(planar.pointer, into: blocked.pointer, batch: batch, channels: channels, plane: plane, pool: pool)
        return blocked
    }

    static func planar(_ buffer: Buffer, from layout: TensorLayout, batch: Int, channels: Int, plane: Int, pool: ThreadPool) -> [Float] {
        guard layout == .blocked else { return buffer.values }
        let planar = Buffer(zeros: batch * channels * plane)
        ChannelBlocks.unblock(buffer.pointer, into: planar.pointer, batch: batch, channels: channels, plane: plane, pool: pool)
        return planar.values
    }
}
