/// One side of the packed GEMM: `width`-row panels of A or `width`-column panels of B, each
/// stored k-major (`width` consecutive floats per k).
public protocol PanelSource {
    /// Whether panels are packed as the multiplication goes (into scratch) rather than ahead of time.
    var packsOnTheFly: Bool { get }

    /// Makes panels `panels` for k in `k0..<k0 + depth` available, packing into `scratch` if
    /// needed; returns the first panel and the distance between consecutive ones.
    func panels(_ panels: Range<Int>, k0: Int, depth: Int, width: Int,
                scratch: UnsafeMutablePointer<Float>) -> (first: UnsafePointer<Float>, stride: Int)
}

/// A panel source that packs from some layout of the matrix as the multiplication goes.
public protocol PanelPacker: PanelSource {
    /// Packs panels `panels` for k in `k0..<k0 + depth` into `destination`, one after another,
    /// padding rows or columns past the matrix edge with zeros.
    func pack(panels: Range<Int>, k0: Int, depth: Int, width: Int, into destination: UnsafeMutablePointer<Float>)
}

extension PanelPacker {
    public var packsOnTheFly: Bool { true }

    @inline(__always)
    public func panels(_ panels: Range<Int>, k0: Int, depth: Int, width: Int,
                       scratch: UnsafeMutablePointer<Float>) -> (first: UnsafePointer<Float>, stride: Int) {
        pack(panels: panels, k0: k0, depth: depth, width: width, into: scratch)
        return (UnsafePointer(scratch), depth * width)
    }
}

/// A matrix packed once, ahead of time, into panels (usually weights).
public struct PackedPanels: PanelSource, @unchecked Sendable {
    public let panelCount: Int
    public let depth: Int
    public let width: Int
    let storage: UnsafeMutablePointer<Float>

    /// Packs all panels of `source` over the full depth.
    public init<P: PanelPacker>(_ source: P, extent: Int, depth: Int, width: Int) {
        panelCount = (extent + width - 1) / width
        self.depth = depth
        self.width = width
        storage = .allocateAligned(max(1, panelCount * depth * width))
        source.pack(panels: 0..<panelCount, k0: 0, depth: depth, width: width, into: storage)
    }

    /// Frees the panels; the owner calls this exactly once.
    public func deallocate() { storage.deallocate() }

    public var packsOnTheFly: Bool { false }

    /// Panel `index` over the full depth.
    @inline(__always)
    func panel(_ index: Int) -> UnsafePointer<Float> { UnsafePointer(storage + index * depth * width) }

    @inline(__always)
    public func panels(_ panels: Range<Int>, k0: Int, depth: Int, width: Int,
                       scratch: UnsafeMutablePointer<Float>) -> (first: UnsafePointer<Float>, stride: Int) {
        (UnsafePointer(storage + (panels.lowerBound * self.depth + k0) * width), self.depth * width)
    }
}

/// Where a GEMM writes C, and what it applies on the way out:
/// C = activation(scale · A·B + bias + residual).
public struct GEMMOutput {
    public var data: UnsafeMutablePointer<Float>
    public var scale: Float = 1
    public var rowStride: Int
    public var columnStride: Int
    /// One value per row (`biasPerRow`) or per column.
    public var bias: UnsafePointer<Float>?
    public var biasPerRow: Bool
    /// A tensor laid out like C, added before the activation (a fused residual connection).
    public var residual: UnsafePointer<Float>?
    public var activation: Activation

    public init(data: UnsafeMutablePointer<Float>, rowStride: Int, columnStride: Int = 1,
                bias: UnsafePointer<Float>? = nil, biasPerRow: Bool = true,
                residual: UnsafePointer<Float>? = nil, activation: Activation = .identity) {
        self.data = data
        self.rowStride = rowStride
        self.columnStride = columnStride
        self.bias = bias
        self.biasPerRow = biasPerRow
        self.residual = residual
        self.activation = activation
    }
}

/// C (m × n) = A (m × k) · B (k × n), blocked for the cache hierarchy as in BLIS: a block of B
/// (256 × 256) stays in L2, one panel of A in L1, and one register tile in the microkernel.
public enum PackedGEMM {
    static let depthBlock = 256
    static let rowBlock = 96
    static let columnBlock = 256
    static let mr = Microkernel.rows
    static let nr = Microkernel.columns

    /// Scratch floats one part of the parallel loop needs.
    public static let scratchFloats = rowBlock * depthBlock + depthBlock * columnBlock + mr * nr

    /// Computes C; `workspace` must have `scratchFloats` per part and as many parts as `pool` has threads.
    public static func multiply<A: PanelSource, B: PanelSource>(
        m: Int, n: Int, k: Int, a: A, b: B, output: GEMMOutput, pool: ThreadPool, workspace: Workspace
    ) {
        precondition(workspace.floatsPerPart >= scratchFloats && workspace.parts >= pool.threadCount,
                     "the workspace is too small for this GEMM")
        guard m > 0, n > 0 else { return }
        let rowPanels = (m + mr - 1) / mr, columnPanels = (n + nr - 1) / nr
        // Split the dimension whose operand is packed on the fly, so no thread packs another's share.
        let threads = pool.threadCount
        let splitColumns = columnPanels >= threads && (b.packsOnTheFly || rowPanels < threads
                                                       || (!a.packsOnTheFly && columnPanels >= rowPanels))
        // A few shares per thread, handed out one at a time, so that a slowed thread does not hold the others up.
        let total = splitColumns ? columnPanels : rowPanels
        let shares = min(total, threads * ThreadPool.rangesPerThread)
        pool.parallelFor(shares) { share, thread in
            let range = (share * total / shares)..<((share + 1) * total / shares)
            multiplyBlock(m: m, n: n, k: k, rowPanels: splitColumns ? 0..<rowPanels : range,
                          columnPanels: splitColumns ? range : 0..<columnPanels,
                          a: a, b: b, output: output, scratch: workspace.scratch(thread))
        }
    }

    /// One share: the given row and column panels over all of k.
    static func multiplyBlock<A: PanelSource, B: PanelSource>(
        m: Int, n: Int, k: Int, rowPanels: Range<Int>, columnPanels: Range<Int>,
        a: A, b: B, output: GEMMOutput, scratch: UnsafeMutablePointer<Float>
    ) {
        let aScratch = scratch
        let bScratch = scratch + rowBlock * depthBlock
        let tile = bScratch + depthBlock * columnBlock
        let panelsPerColumnBlock = columnBlock / nr, panelsPerRowBlock = rowBlock / mr
        let fusedEpilogue = output.activation.isInlinable
        for jc in stride(from: columnPanels.lowerBound, to: columnPanels.upperBound, by: panelsPerColumnBlock) {
            let jPanels = jc..<min(jc + panelsPerColumnBlock, columnPanels.upperBound)
            for k0 in stride(from: 0, to: k, by: depthBlock) {
                let depth = min(depthBlock, k - k0)
                let first = k0 == 0, last = k0 + depth == k
                let bBlock = b.panels(jPanels, k0: k0, depth: depth, width: nr, scratch: bScratch)
                for ic in stride(from: rowPanels.lowerBound, to: rowPanels.upperBound, by: panelsPerRowBlock) {
                    let iPanels = ic..<min(ic + panelsPerRowBlock, rowPanels.upperBound)
                    let aBlock = a.panels(iPanels, k0: k0, depth: depth, width: mr, scratch: aScratch)
                    // Row panel outside, column panel inside: the A panel stays in L1, and C is
                    // written row by row, which matters when k is small and C traffic dominates.
                    for i in iPanels {
                        let aPanel = aBlock.first + (i - iPanels.lowerBound) * aBlock.stride
                        for j in jPanels {
                            let bPanel = bBlock.first + (j - jPanels.lowerBound) * bBlock.stride
                            let rows = min(mr, m - i * mr), columns = min(nr, n - j * nr)
                            let c = output.data + i * mr * output.rowStride + j * nr * output.columnStride
                            if rows == mr && columns == nr && output.columnStride == 1 {
                                // A full tile: on the last block of k, finished in registers when the activation allows.
                                let finishing = last && fusedEpilogue
                                Microkernel.run(depth: depth, a: aPanel, b: bPanel, tile: c, rowStride: output.rowStride,
                                                accumulate: !first,
                                                epilogue: finishing ? Microkernel.Epilogue(output, row: i * mr, column: j * nr) : nil)
                                if last && !finishing { finish(row: i * mr, column: j * nr, output: output) }
                            } else {
                                Microkernel.run(depth: depth, a: aPanel, b: bPanel, tile: tile, rowStride: nr, accumulate: false)
                                scatter(tile: tile, row: i * mr, column: j * nr, rows: rows, columns: columns,
                                        output: output, first: first, last: last)
                            }
                        }
                    }
                }
            }
        }
    }

    /// A partial or strided tile: `tile` (rows × 16, contiguous) holds this block's product; adds
    /// what C already holds (after the first block of k), finishes it on the last block, and
    /// writes the valid part into C with C's strides.
    @inline(__always)
    static func scatter(tile: UnsafeMutablePointer<Float>, row: Int, column: Int, rows: Int, columns: Int,
                        output: GEMMOutput, first: Bool, last: Bool) {
        let c = output.data + row * output.rowStride + column * output.columnStride
        @inline(__always) func offset(_ r: Int, _ col: Int) -> Int { r * output.rowStride + col * output.columnStride }
        if !first {
            for r in 0..<rows { for col in 0..<columns { tile[r * nr + col] += c[offset(r, col)] } }
        }
        if last {
            // Scale and bias on whole tile rows (16 lanes across the columns), as full tiles get them.
            var columnBias = Vector()
            if let bias = output.bias, !output.biasPerRow { for col in 0..<columns { columnBias[col] = bias[column + col] } }
            for r in 0..<rows {
                let t = tile + r * nr
                var v = t.vector() * output.scale + columnBias
                if let bias = output.bias, output.biasPerRow { v += Vector(repeating: bias[row + r]) }
                t.store(v)
            }
            if let residual = output.residual {
                let r0 = residual + (c - output.data)
                for r in 0..<rows { for col in 0..<columns { tile[r * nr + col] += r0[offset(r, col)] } }
            }
            output.activation.apply(tile, count: rows * nr)
        }
        for r in 0..<rows { for col in 0..<columns { c[offset(r, col)] = tile[r * nr + col] } }
    }

    /// Applies bias, residual and activation to a finished full tile of C (column stride 1) whose
    /// activation has no inline form.
    @inline(__always)
    static func finish(row: Int, column: Int, output: GEMMOutput) {
        let base = output.data + row * output.rowStride + column
        for r in 0..<mr {
            let out = base + r * output.rowStride
            var v = out.vector() * output.scale
            if let bias = output.bias {
                v += output.biasPerRow ? Vector(repeating: bias[row + r]) : (bias + column).vector()
            }
            if let residual = output.residual { v += (residual + (out - output.data)).vector() }
            out.store(v)
        }
        for r in 0..<mr { output.activation.apply(base + r * output.rowStride, count: nr) }
    }
}
