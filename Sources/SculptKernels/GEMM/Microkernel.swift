/// The register tile of the packed GEMM: `rows` × `columns` outputs accumulate in registers
/// (6 × 16: twelve AVX2 registers, six AVX-512 ones, twenty-four NEON ones) while the kernel
/// streams a packed panel of A (`rows` values per k) and of B (`columns` values per k).
enum Microkernel {
    static let rows = 6
    static let columns = Vector.scalarCount

    /// tile = A panel · B panel over `depth` steps; when `accumulate`, adds into `tile` instead.
    ///
    /// `tile` is `rows` × `columns` with row stride `rowStride`, each row `columns` contiguous floats.
    @inline(__always)
    static func run(depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                    tile: UnsafeMutablePointer<Float>, rowStride: Int, accumulate: Bool) {
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
        tile.store(c0)
        (tile + rowStride).store(c1)
        (tile + 2 * rowStride).store(c2)
        (tile + 3 * rowStride).store(c3)
        (tile + 4 * rowStride).store(c4)
        (tile + 5 * rowStride).store(c5)
    }
}
