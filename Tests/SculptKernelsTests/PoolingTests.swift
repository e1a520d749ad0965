import SculptKernels
import SculptTestNumerics
import Testing

/// The vectorized pooling kernel against the reference, over windows, strides, padding and widths
/// that exercise the narrow-plane and strided paths.
@Suite struct PoolingTests {
    static let shapes: [PoolingShape] = [
        PoolingShape(planes: 3, height: 112, width: 112, outHeight: 56, outWidth: 56, kernelHeight: 3, kernelWidth: 3,
                     strideY: 2, strideX: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1),
        PoolingShape(planes: 2, height: 9, width: 7, outHeight: 4, outWidth: 3, kernelHeight: 2, kernelWidth: 2,
                     strideY: 2, strideX: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
        // Ceil mode: the last window runs past the input.
        PoolingShape(planes: 2, height: 7, width: 7, outHeight: 4, outWidth: 4, kernelHeight: 2, kernelWidth: 2,
                     strideY: 2, strideX: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0),
        PoolingShape(planes: 4, height: 13, width: 70, outHeight: 13, outWidth: 70, kernelHeight: 3, kernelWidth: 5,
                     strideY: 1, strideX: 1, padTop: 1, padLeft: 2, padBottom: 1, padRight: 2, countPadding: true),
        PoolingShape(planes: 1, height: 20, width: 20, outHeight: 6, outWidth: 6, kernelHeight: 3, kernelWidth: 3,
                     strideY: 3, strideX: 3, dilationY: 2, dilationX: 2, padTop: 1, padLeft: 1, padBottom: 0, padRight: 0),
        PoolingShape(planes: 5, height: 1, width: 33, outHeight: 1, outWidth: 16, kernelHeight: 1, kernelWidth: 3,
                     strideY: 1, strideX: 2, padTop: 0, padLeft: 1, padBottom: 0, padRight: 0),
    ]

    @Test(arguments: shapes.indices, [Pooling.Kind.max, .average])
    func matchesReference(_ index: Int, kind: Pooling.Kind) {
        let s = Self.shapes[index]
        let input = Buffer(random: s.planes * s.height * s.width, seed: 40)
        let expected = Buffer(zeros: s.planes * s.outHeight * s.outWidth), actual = Buffer(zeros: expected.count)
        ReferencePooling.run(kind, s, input: input.pointer, output: expected.pointer)
        let (pool, workspace) = machinery(threads: 2)
        workspace.reserve(floatsPerPart: Pooling.scratchFloats(s))
        Pooling.run(kind, s, input: input.pointer, output: actual.pointer, pool: pool, workspace: workspace)
        #expect(relativeError(actual.values, expected.values) <= 1e-6)
    }

    /// The 2×2, stride-2 kernel against the reference: widths that use its 16-wide, 8-wide and
    /// scalar steps, odd sizes it drops the last row and column of; ceil mode and padding go to
    /// the general kernel.
    @Test(arguments: [Pooling.Kind.max, .average])
    func halvingMatchesReference(kind: Pooling.Kind) {
        for (planes, height, width) in [(32, 28, 28), (3, 9, 7), (2, 6, 52), (5, 4, 70)] {
            let s = PoolingShape(planes: planes, height: height, width: width, outHeight: height / 2, outWidth: width / 2,
                                 kernelHeight: 2, kernelWidth: 2, strideY: 2, strideX: 2, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0)
            #expect(Pooling.halves(s))
            let input = Buffer(random: s.planes * s.height * s.width, seed: 43)
            let expected = Buffer(zeros: s.planes * s.outHeight * s.outWidth), actual = Buffer(zeros: expected.count)
            ReferencePooling.run(kind, s, input: input.pointer, output: expected.pointer)
            Pooling.runHalving(kind, s, input: input.pointer, output: actual.pointer, pool: ThreadPool(threads: 2))
            #expect(relativeError(actual.values, expected.values) <= 1e-6, "\(s)")
        }
        #expect(!Pooling.halves(Self.shapes[2]) && !Pooling.halves(Self.shapes[0]) && Pooling.halves(Self.shapes[1]))
    }

    /// The channel-blocked kernel against the reference on the same windows, with channel
    /// counts that fill one block, several, and a part of the last.
    @Test(arguments: shapes.indices, [Pooling.Kind.max, .average])
    func blockedMatchesReference(_ index: Int, kind: Pooling.Kind) {
        var s = Self.shapes[index]
        s.planes *= 7
        let channels = s.planes, inPlane = s.height * s.width, outPlane = s.outHeight * s.outWidth
        let input = Buffer(random: channels * inPlane, seed: 42)
        let expected = Buffer(zeros: channels * outPlane), actual = Buffer(zeros: expected.count)
        ReferencePooling.run(kind, s, input: input.pointer, output: expected.pointer)
        let pool = ThreadPool(threads: 2)
        let blockedInput = Buffer(zeros: ChannelBlocks.floats(batch: 1, channels: channels, plane: inPlane))
        let blockedOutput = Buffer(zeros: ChannelBlocks.floats(batch: 1, channels: channels, plane: outPlane))
        ChannelBlocks.block(input.pointer, into: blockedInput.pointer, batch: 1, channels: channels, plane: inPlane, pool: pool)
        var blocks = s
        blocks.planes = ChannelBlocks.count(channels)
        Pooling.runBlocked(kind, blocks, input: blockedInput.pointer, output: blockedOutput.pointer, pool: pool)
        ChannelBlocks.unblock(blockedOutput.pointer, into: actual.pointer, batch: 1, channels: channels, plane: outPlane, pool: pool)
        #expect(relativeError(actual.values, expected.values) <= 1e-6)
    }

    @Test(arguments: RowReduction.Kind.allCases)
    func rowReductionMatchesItsDefinition(_ kind: RowReduction.Kind) {
        // 37 values a row: two full vectors and a scalar tail.
        let rows = 5, size = 37
        let input = Buffer(random: rows * size, seed: 41), output = Buffer(zeros: rows)
        let (pool, _) = machinery(threads: 2)
        RowReduction.run(kind, rows: rows, size: size, input: input.pointer, output: output.pointer, pool: pool)
        let expected = (0..<rows).map { r -> Float in
            let row = input.values[(r * size)..<((r + 1) * size)]
            switch kind {
            case .sum: return row.reduce(0, +)
            case .mean: return row.reduce(0, +) / Float(size)
            case .max: return row.max()!
            case .l2: return row.map { $0 * $0 }.reduce(0, +).squareRoot()
            }
        }
        #expect(relativeError(output.values, expected) <= 1e-6)
    }
}
