/// The register tile of the packed GEMM: `rows` × `columns` outputs accumulate in registers
/// (6 × 16: twelve AVX2 registers, six AVX-512 ones, twenty-four NEON ones) while the kernel
/// streams a packed panel of A (`rows` values per k) and of B (`columns` values per k).
enum Microkernel {
    static let rows = 6
    static let columns = Vector.scalarCount

    /// What a tile's last pass applies in registers before storing: C = f(scale · AB + bias + residual).
    struct Epilogue {
        var scale: Float
        /// One value per row of the tile, or 16 values across its columns.
        var rowBias: UnsafePointer<Float>?
        var columnBias: UnsafePointer<Float>?
        /// The residual tile, laid out like C.
        var residual: UnsafePointer<Float>?
        var activation: Activation

        /// The epilogue of the tile at (`row`, `column`) of `output`, whose column stride is 1.
        @inline(__always)
        init(_ output: GEMMOutput, row: Int, column: Int) {
            scale = output.scale
            rowBias = output.bias.flatMap { output.biasPerRow ? $0 + row : nil }
            columnBias = output.bias.flatMap { output.biasPerRow ? nil : $0 + column }
            residual = output.residual.map { $0 + row * output.rowStride + column }
            activation = output.activation
        }

        /// Finishes row `r` of the tile.
        @inline(__always)
        func apply(_ v: Vector, row r: Int, rowStride: Int) -> Vector {
            var x = v * scale
            if let rowBias { x += Vector(repeating: rowBias[r]) }
            if let columnBias { x += columnBias.vector() }
            if let residual { x += (residual + r * rowStride).vector() }
            return activation.inlineForm(x) ?? x
        }
    }

    /// tile = A panel · B panel over `depth` steps; when `accumulate`, adds into `tile` instead.
    /// With an epilogue (whose activation must have an inline form), the tile is finished too.
    ///
    /// `tile` is `rows` × `columns` with row stride `rowStride`, each row `columns` contiguous floats.
    @inline(__always)
    static func run(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                    tile: UnsafeMutablePointer<Float>, rowStride: Int, accumulate: Bool, epilogue: Epilogue? = nil) {
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        var a = a, b = b
        for _ in 0..<depth {
            let bv = b.vector()
            c0.addProduct(Vector(repeating: a[0]), bv)
            c1.addProduct(Vector(repeating: a[1]), bv)
            c2.addProduct(Vector(repeating: a[2]), bv)
            c3.addProduct(Vector(repeating: a[3]), bv)
            c4.addProduct(Vector(repeating: a[4]), bv)
            c5.addProduct(Vector(repeating: a[5]), bv)
            a += rows
            b += columns
        }
        if accumulate {
            c0 += tile.vector()
            c1 += (tile + rowStride).vector()
            c2 += (tile + 2 * rowStride).vector()
            c3 += (tile + 3 * rowStride).vector()
            c4 += (tile + 4 * rowStride).vector()
            c5 += (tile + 5 * rowStride).vector()
        }
        if let e = epilogue {
            c0 = e.apply(c0, row: 0, rowStride: rowStride)
            c1 = e.apply(c1, row: 1, rowStride: rowStride)
            c2 = e.apply(c2, row: 2, rowStride: rowStride)
            c3 = e.apply(c3, row: 3, rowStride: rowStride)
            c4 = e.apply(c4, row: 4, rowStride: rowStride)
            c5 = e.apply(c5, row: 5, rowStride: rowStride)
        }
        tile.store(c0)
        (tile + rowStride).store(c1)
        (tile + 2 * rowStride).store(c2)
        (tile + 3 * rowStride).store(c3)
        (tile + 4 * rowStride).store(c4)
        (tile + 5 * rowStride).store(c5)
    }
}
