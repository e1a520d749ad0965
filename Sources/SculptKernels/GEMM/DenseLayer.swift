/// Y = activation(X · W + bias) with a constant W: linear layers (Gemm, MatMul by a weight).
///
/// W is packed once into column panels. Many rows of X go through the packed GEMM; a few rows
/// (batch-1 classifiers) stream the same panels as matrix-vector products, which are bound by
/// reading W and gain nothing from the register tile. Where a pruned W leaves whole depth rows of
/// a panel zero (inputs removed for a block of outputs), those products skip them
/// (`SparsePanels`); the GEMM runs the dense panels, zeros included.
public final class DenseLayer: @unchecked Sendable {
    public let inFeatures: Int
    public let outFeatures: Int
    private let panels: PackedPanels
    private let sparse: SparsePanels?
    private let bias: UnsafeMutablePointer<Float>?

    /// `weight` is [inFeatures × outFeatures], or [outFeatures × inFeatures] when `transposed`.
    public init(inFeatures: Int, outFeatures: Int, weight: UnsafePointer<Float>, transposed: Bool, bias: UnsafePointer<Float>?) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let source = transposed
            ? StridedPacker(data: weight, extent: outFeatures, extentStride: inFeatures, depthStride: 1)
            : StridedPacker(data: weight, extent: outFeatures, extentStride: 1, depthStride: outFeatures)
        panels = PackedPanels(source, extent: outFeatures, depth: inFeatures, width: Microkernel.columns)
        sparse = SparsePanels(panels)
        if let bias {
            self.bias = .allocate(capacity: outFeatures)
            self.bias!.initialize(from: bias, count: outFeatures)
        } else {
            self.bias = nil
        }
    }

    deinit {
        panels.deallocate()
        sparse?.deallocate()
        bias?.deallocate()
    }

    /// Whether its matrix-vector products skip zero depth rows (see `SparsePanels`).
    public var skipsZeroRows: Bool { sparse != nil }

    /// Rows below which a matrix-vector product per row beats the GEMM.
    static let vectorRows = 4

    /// `input` is [rows × inFeatures], `output` [rows × outFeatures]; `residual` is shaped like the output.
    public func run(input: UnsafePointer<Float>, rows: Int, output: UnsafeMutablePointer<Float>,
                    residual: UnsafePointer<Float>? = nil, activation: Activation = .identity,
                    pool: ThreadPool, workspace: Workspace) {
        let out = GEMMOutput(data: output, rowStride: outFeatures, bias: bias.map { UnsafePointer($0) }, biasPerRow: false,
                             residual: residual, activation: activation)
        if rows < DenseLayer.vectorRows {
            let count = panels.panelCount
            pool.parallelRanges(count) { range in
                for row in 0..<rows { self.vectorProduct(input + row * self.inFeatures, panels: range, row: row, output: out) }
            }
            return
        }
        let source = StridedPacker(data: input, extent: rows, extentStride: inFeatures, depthStride: 1)
        PackedGEMM.multiply(m: rows, n: outFeatures, k: inFeatures, a: source, b: panels, output: out,
                            pool: pool, workspace: workspace)
    }

    /// One row of X times the column panels in `range`, finished like a GEMM tile.
    @inline(__always)
    private func vectorProduct(_ x: UnsafePointer<Float>, panels range: Range<Int>, row: Int, output: GEMMOutput) {
        let lanes = Microkernel.columns
        for p in range {
            let sum: Vector
            if let sparse {
                let first = sparse.starts[p], inputs = sparse.inputs
                sum = VectorProduct.sum(UnsafePointer(sparse.values + first * lanes), count: sparse.starts[p + 1] - first) {
                    x[Int(inputs[first + $0])]
                }
            } else {
                sum = VectorProduct.sum(panels.panel(p), count: inFeatures) { x[$0] }
            }
            let column = p * lanes, valid = min(lanes, outFeatures - column)
            withUnsafeTemporaryAllocation(of: Float.self, capacity: lanes) { buffer in
                buffer.baseAddress!.store(sum)
                PackedGEMM.scatter(tile: buffer.baseAddress!, row: row, column: column, rows: 1, columns: valid,
                                   output: output, first: true, last: true)
            }
        }
    }
}

/// The dot products of one row of X with a panel's `count` depth rows.
private enum VectorProduct {
    /// Σ input(i) · panel row i; `input(i)` is the row's feature for the panel's i-th depth row.
    @inline(__always)
    static func sum(_ panel: UnsafePointer<Float>, count: Int, input: (Int) -> Float) -> Vector {
        let lanes = Microkernel.columns
        var panel = panel
        // Four accumulators hide the latency of the dependent adds.
        var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
        var i = 0
        while i + 4 <= count {
            s0.addProduct(Vector(repeating: input(i)), panel.vector())
            s1.addProduct(Vector(repeating: input(i + 1)), (panel + lanes).vector())
            s2.addProduct(Vector(repeating: input(i + 2)), (panel + 2 * lanes).vector())
            s3.addProduct(Vector(repeating: input(i + 3)), (panel + 3 * lanes).vector())
            panel += 4 * lanes
            i += 4
        }
        while i < count {
            s0.addProduct(Vector(repeating: input(i)), panel.vector())
            panel += lanes
            i += 1
        }
        return (s0 + s1) + (s2 + s3)
    }
}
