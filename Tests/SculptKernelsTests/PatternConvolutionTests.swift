@testable import SculptKernels
import SculptTestNumerics
import Testing

/// The sparse kernels against the reference on weights pruned the ways the pattern families prune:
/// one pattern per group of 4 or 16 filters, a pattern per kernel, whole kernels removed, N:M
/// along input channels; strides 1 and 2, channel counts that leave partial blocks, odd planes.
@Suite struct PatternConvolutionTests {
    enum Pruning: String, CaseIterable, Sendable {
        case grouped, groupedBySixteen, perKernel, groupedWithConnectivity, nOfM, everything
    }

    static let shapes: [ConvolutionShape] = [
        ConvolutionShape(inChannels: 16, outChannels: 16, height: 14, width: 14, kernel: 3),
        ConvolutionShape(inChannels: 13, outChannels: 22, height: 9, width: 11, kernel: 3, stride: 2),
        ConvolutionShape(inChannels: 32, outChannels: 9, height: 7, width: 7, kernel: 3),
        ConvolutionShape(inChannels: 20, outChannels: 48, height: 12, width: 12, kernel: 3),
        // More input channels than a slice (16 at stride 2): sums carried across slices.
        ConvolutionShape(inChannels: 80, outChannels: 12, height: 9, width: 9, kernel: 3, stride: 2),
        ConvolutionShape(inChannels: 130, outChannels: 8, height: 5, width: 6, kernel: 1),
        // More packed taps than fit in L2 (256 KB): several groups of blocks, each stored slice by slice.
        ConvolutionShape(inChannels: 256, outChannels: 72, height: 5, width: 5, kernel: 3),
        ConvolutionShape(batch: 2, inChannels: 8, outChannels: 12, height: 10, width: 31, kernel: 3, stride: 2),
        ConvolutionShape(inChannels: 24, outChannels: 10, height: 6, width: 5, kernel: 1),
        ConvolutionShape(inChannels: 16, outChannels: 8, height: 13, width: 13, kernel: 1, stride: 2),
        ConvolutionShape(inChannels: 3, outChannels: 8, height: 20, width: 20, kernelHeight: 7, kernelWidth: 7,
                         strideY: 2, strideX: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3),
        // Planes of 27 and 3 vectors of 16 positions: tiles of 6 and 5, and one of 3.
        ConvolutionShape(inChannels: 12, outChannels: 20, height: 20, width: 20, kernel: 3),
        ConvolutionShape(inChannels: 6, outChannels: 8, height: 6, width: 6, kernel: 3),
        // Padding on one side only ("SAME" at stride 2): phase planes whose first column and row are pixels.
        ConvolutionShape(inChannels: 5, outChannels: 8, height: 17, width: 18, kernelHeight: 3, kernelWidth: 3,
                         strideY: 2, strideX: 2, padTop: 0, padLeft: 0, padBottom: 1, padRight: 1),
    ]

    /// Zeroes `weight` the way `pruning` does; patterns are drawn at random (which taps, not which are largest).
    static func prune(_ weight: inout [Float], _ s: ConvolutionShape, _ pruning: Pruning, seed: UInt64) {
        // A generator, not a list of numbers: a 7x7 kernel draws 49 per pattern.
        var random = SeededRandom(seed: seed)
        func next() -> Float { random.uniform(0, 1) }
        let taps = s.kernelHeight * s.kernelWidth
        func zero(filter: Int, channel: Int, keepingTaps keep: Set<Int>) {
            for t in 0..<taps where !keep.contains(t) { weight[(filter * s.inChannels + channel) * taps + t] = 0 }
        }
        func pattern() -> Set<Int> { Set((0..<taps).filter { _ in next() < 0.45 }) }
        switch pruning {
        case .grouped, .groupedBySixteen, .groupedWithConnectivity:
            let size = pruning == .groupedBySixteen ? 16 : 4
            for group in stride(from: 0, to: s.outChannels, by: size) {
                for c in 0..<s.inChannels {
                    let keep: Set<Int> = pruning == .groupedWithConnectivity && next() < 0.5 ? [] : pattern()
                    for f in group..<min(group + size, s.outChannels) { zero(filter: f, channel: c, keepingTaps: keep) }
                }
            }
        case .perKernel:
            for f in 0..<s.outChannels { for c in 0..<s.inChannels { zero(filter: f, channel: c, keepingTaps: pattern()) } }
        case .nOfM:
            // 2 of every 4 input channels per filter.
            for f in 0..<s.outChannels {
                for c in stride(from: 0, to: s.inChannels, by: 4) {
                    let first = Int(next() * 3.99), second = (first + 1 + Int(next() * 2.99)) % 4
                    for k in 0..<min(4, s.inChannels - c) where k != first && k != second {
                        zero(filter: f, channel: c + k, keepingTaps: [])
                    }
                }
            }
        case .everything:
            weight = weight.map { _ in 0 }
        }
    }

    struct KernelAtWidth: CustomTestStringConvertible, Sendable {
        var kernel: ConvolutionKernel
        var width: VectorWidth
        var testDescription: String { "\(kernel.name) \(width.lanes) lanes" }
    }

    /// Each sparse kernel with the register tiles of every width it has, whatever the CPU.
    static let kernels = ConvolutionKernels.sparse.flatMap { kernel in kernel.widths.map { KernelAtWidth(kernel: kernel, width: $0) } }

    /// Runs the kernel on every shape it supports, with weights pruned by `pruning`, a residual and
    /// a ReLU, at 1 and 2 threads, against the reference convolution.
    @Test(arguments: kernels, Pruning.allCases)
    func matchesReferenceOnPrunedWeights(_ k: KernelAtWidth, _ pruning: Pruning) {
        let kernel = k.kernel
        for (index, s) in Self.shapes.enumerated() {
            var values = seededFloats(s.weightCount, seed: UInt64(10 + index))
            Self.prune(&values, s, pruning, seed: UInt64(20 + index))
            let input = Buffer(random: s.inputCount, seed: 1), weight = Buffer(values)
            let bias = Buffer(random: s.outChannels, seed: 3), residual = Buffer(random: s.outputCount, seed: 4)
            let expected = Buffer(zeros: s.outputCount)
            ReferenceConvolution.run(s, input: input.pointer, weight: weight.pointer, bias: bias.pointer, output: expected.pointer)
            let reference = zip(expected.values, residual.values).map { Activation.relu.reference($0 + $1) }
            guard kernel.supports(s) else { continue }
            for threads in [1, 2] {
                let (pool, workspace) = machinery(threads: threads)
                let prepared = kernel.prepare(s, weight.pointer, bias.pointer, width: k.width)
                prepared.reserve(in: workspace)
                // Inputs and outputs in the kernel's layouts, compared in NCHW.
                let (inLayout, outLayout) = kernel.layouts
                let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
                let x = Layouts.convert(input, to: inLayout, batch: s.batch, channels: s.inChannels, plane: plane, pool: pool)
                let r = Layouts.convert(residual, to: outLayout, batch: s.batch, channels: s.outChannels, plane: outPlane, pool: pool)
                let y = Buffer(zeros: outLayout == .blocked ? ChannelBlocks.floats(batch: s.batch, channels: s.outChannels, plane: outPlane) : s.outputCount)
                prepared.run(input: x.pointer, output: y.pointer, residual: r.pointer, activation: .relu, pool: pool, workspace: workspace)
                let planar = Layouts.planar(y, from: outLayout, batch: s.batch, channels: s.outChannels, plane: outPlane, pool: pool)
                #expect(relativeError(planar, reference) <= 1e-5, "\(s), \(threads) threads")
            }
        }
    }

    /// The shapes above give 4-filter blocks every tile size they have code for at either vector
    /// width (2–3 vectors of 8 floats, 2–6 of 16), so the test above runs each of them.
    @Test(arguments: VectorWidth.allCases)
    func shapesCoverEveryTileSize(width: VectorWidth) {
        let sizes = Self.shapes.filter(PatternConvolution.supports).flatMap { s in
            PatternConvolution(shape: s, weight: seededFloats(s.weightCount, seed: 1), bias: nil, blockFilters: 4, width: width).tileVectors
        }
        #expect(Set(sizes) == Set(2...(width == .w16 ? 6 : 3)))
    }

    /// A plane's vectors go in as few tiles as the largest size allows, none under 2, sizes
    /// differing by one at most.
    @Test func tilesShareAPlaneEvenly() {
        for most in [3, 6] {
            for vectors in 1...40 {
                let tiles = PatternConvolution.tiles(vectors: vectors, most: most)
                #expect(tiles.reduce(0, +) == max(2, vectors))
                #expect(tiles.count == (max(2, vectors) + most - 1) / most)
                #expect(tiles.max()! <= most && tiles.min()! >= 2 && tiles.max()! - tiles.min()! <= 1, "\(vectors) in \(tiles)")
            }
        }
    }

    @Test func packsOnlyTheKeptTaps() {
        let s = ConvolutionShape(inChannels: 16, outChannels: 16, height: 8, width: 8, kernel: 3)
        var values = seededFloats(s.weightCount, seed: 5)
        Self.prune(&values, s, .grouped, seed: 6)
        let kept = stride(from: 0, to: values.count, by: 1).filter { values[$0] != 0 }.count
        let blocks = PatternConvolution(shape: s, weight: values, bias: nil, blockFilters: 4)
        let filters = PatternConvolution(shape: s, weight: values, bias: nil, blockFilters: 1)
        // A group's filters share their taps: a 4-filter block packs each tap once.
        #expect(blocks.packedTaps * 4 == kept)
        #expect(filters.packedTaps == kept)
    }
}
