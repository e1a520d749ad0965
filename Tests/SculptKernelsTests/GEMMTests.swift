import SculptKernels
import SculptTestNumerics
import Testing

/// The packed GEMM, dense layers and batched products against the reference GEMM.
@Suite struct GEMMTests {
    static let sizes: [(m: Int, n: Int, k: Int)] = [
        (1, 1, 1), (6, 16, 8), (7, 17, 3), (13, 50, 37), (64, 64, 300), (100, 3, 257), (2, 700, 5), (37, 1029, 19),
    ]

    struct Size: CustomTestStringConvertible, Sendable {
        var m: Int, n: Int, k: Int
        var testDescription: String { "\(m)×\(n)×\(k)" }
    }

    static let cases = sizes.map { Size(m: $0.m, n: $0.n, k: $0.k) }

    /// Both operands packed on the fly, A prepacked, B prepacked; row-major and transposed C;
    /// the epilogue (scale, bias, residual, activation) checked at the same time.
    @Test(arguments: cases, [1, 2])
    func packedGEMMMatchesReference(_ size: Size, threads: Int) {
        let (m, n, k) = (size.m, size.n, size.k)
        let a = Buffer(random: m * k, seed: 10), b = Buffer(random: k * n, seed: 11)
        let bias = Buffer(random: n, seed: 12), residual = Buffer(random: m * n, seed: 13)
        let product = Buffer(zeros: m * n)
        ReferenceGEMM.multiply(m: m, n: n, k: k, a: a.pointer, aRowStride: k, aDepthStride: 1,
                               b: b.pointer, bDepthStride: n, bColumnStride: 1, c: product.pointer)
        let expected = product.values.indices.map { i in
            Activation.relu.reference(0.5 * product.values[i] + bias.values[i % n] + residual.values[i])
        }
        let (pool, workspace) = machinery(threads: threads)
        workspace.reserve(floatsPerPart: PackedGEMM.scratchFloats)
        let aSource = StridedPacker(data: a.pointer, extent: m, extentStride: k, depthStride: 1)
        let bSource = StridedPacker(data: b.pointer, extent: n, extentStride: 1, depthStride: n)
        let aPacked = PackedPanels(aSource, extent: m, depth: k, width: 6)
        let bPacked = PackedPanels(bSource, extent: n, depth: k, width: 16)
        defer { aPacked.deallocate(); bPacked.deallocate() }

        var output = GEMMOutput(data: Buffer(zeros: 0).pointer, rowStride: n, bias: bias.pointer, biasPerRow: false,
                                residual: residual.pointer, activation: .relu)
        output.scale = 0.5
        func check(_ run: (GEMMOutput) -> Void) {
            let c = Buffer(zeros: m * n)
            output.data = c.pointer
            run(output)
            #expect(relativeError(c.values, expected) <= 1e-5)
        }
        check { PackedGEMM.multiply(m: m, n: n, k: k, a: aSource, b: bSource, output: $0, pool: pool, workspace: workspace) }
        check { PackedGEMM.multiply(m: m, n: n, k: k, a: aPacked, b: bSource, output: $0, pool: pool, workspace: workspace) }
        check { PackedGEMM.multiply(m: m, n: n, k: k, a: aSource, b: bPacked, output: $0, pool: pool, workspace: workspace) }

        // Cᵀ: the same product written column-major, as the transposed convolution writes it.
        let transposed = Buffer(zeros: m * n)
        var columnMajor = output
        columnMajor.data = transposed.pointer
        columnMajor.rowStride = 1
        columnMajor.columnStride = m
        columnMajor.residual = nil
        PackedGEMM.multiply(m: m, n: n, k: k, a: aSource, b: bPacked, output: columnMajor, pool: pool, workspace: workspace)
        let expectedTransposed = (0..<(m * n)).map { i in
            let (column, row) = (i / m, i % m)
            return Activation.relu.reference(0.5 * product.values[row * n + column] + bias.values[column])
        }
        #expect(relativeError(transposed.values, expectedTransposed) <= 1e-5)
    }

    /// Dense layers (few rows: matrix-vector products; many rows: the GEMM), weights either way
    /// round, whole and with a third of the inputs removed per block of 16 outputs (connectivity
    /// pruning: the matrix-vector products skip them).
    @Test(arguments: [1, 3, 4, 9], [false, true])
    func denseLayerMatchesReference(rows: Int, transposed: Bool) {
        let inFeatures = 37, outFeatures = 45
        for pruned in [false, true] {
            let x = Buffer(random: rows * inFeatures, seed: 20), w = Buffer(random: inFeatures * outFeatures, seed: 21)
            let bias = Buffer(random: outFeatures, seed: 22)
            if pruned {
                for o in 0..<outFeatures {
                    for i in 0..<inFeatures where (i * 7 + o / 16) % 3 == 0 {
                        w.pointer[transposed ? o * inFeatures + i : i * outFeatures + o] = 0
                    }
                }
            }
            let product = Buffer(zeros: rows * outFeatures)
            ReferenceGEMM.multiply(m: rows, n: outFeatures, k: inFeatures, a: x.pointer, aRowStride: inFeatures, aDepthStride: 1,
                                   b: w.pointer, bDepthStride: transposed ? 1 : outFeatures, bColumnStride: transposed ? inFeatures : 1,
                                   c: product.pointer)
            let expected = product.values.indices.map { Activation.hardSwish.reference(product.values[$0] + bias.values[$0 % outFeatures]) }
            let (pool, workspace) = machinery(threads: 2)
            workspace.reserve(floatsPerPart: PackedGEMM.scratchFloats)
            let layer = DenseLayer(inFeatures: inFeatures, outFeatures: outFeatures, weight: w.pointer, transposed: transposed,
                                   bias: bias.pointer)
            #expect(layer.skipsZeroRows == pruned)
            let y = Buffer(zeros: rows * outFeatures)
            layer.run(input: x.pointer, rows: rows, output: y.pointer, activation: .hardSwish, pool: pool, workspace: workspace)
            #expect(relativeError(y.values, expected) <= 1e-5, "pruned: \(pruned)")
        }
    }

    /// Batched products with a broadcast batch dimension and a transposed right operand.
    @Test func batchedMatMulMatchesReference() {
        let (batch, m, n, k) = (3, 11, 7, 20)
        let a = Buffer(random: batch * m * k, seed: 30), b = Buffer(random: k * n, seed: 31)
        let (pool, workspace) = machinery(threads: 2)
        workspace.reserve(floatsPerPart: PackedGEMM.scratchFloats)
        // B is shared by every batch (offset 0) and stored transposed (n × k).
        let product = BatchedMatMul(batch: batch, m: m, n: n, k: k, aOffsets: (0..<batch).map { $0 * m * k },
                                    bOffsets: [0, 0, 0], aStrides: (row: k, depth: 1), bStrides: (column: k, depth: 1))
        let c = Buffer(zeros: batch * m * n), expected = Buffer(zeros: batch * m * n)
        product.run(a: a.pointer, b: b.pointer, output: c.pointer, pool: pool, workspace: workspace)
        product.runReference(a: a.pointer, b: b.pointer, output: expected.pointer)
        #expect(relativeError(c.values, expected.values) <= 1e-5)
    }
}
