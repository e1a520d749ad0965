/// C[b] = A[b] · B[b] for every batch index, both operands computed at run time (attention's
/// Q·Kᵀ and P·V). Operands are addressed by strides, so transposes and broadcast batch
/// dimensions need no copies.
public struct BatchedMatMul: Sendable {
    public let batch: Int
    public let m: Int
    public let n: Int
    public let k: Int
    /// Element offsets of batch `b` in A, B and C.
    let aOffsets: [Int]
    let bOffsets: [Int]
    /// Element strides of A along (row, depth) and of B along (column, depth).
    let aStrides: (row: Int, depth: Int)
    let bStrides: (column: Int, depth: Int)

    public init(batch: Int, m: Int, n: Int, k: Int, aOffsets: [Int], bOffsets: [Int],
                aStrides: (row: Int, depth: Int), bStrides: (column: Int, depth: Int)) {
        self.batch = batch
        self.m = m
        self.n = n
        self.k = k
        self.aOffsets = aOffsets
        self.bOffsets = bOffsets
        self.aStrides = aStrides
        self.bStrides = bStrides
    }

    /// The element offset of every index of `shape`, in row-major order, under `strides`: the
    /// batch offsets of an operand whose batch dimensions have those strides (0 to broadcast).
    public static func offsets(shape: [Int], strides: [Int]) -> [Int] {
        var offsets = [0]
        for (size, stride) in zip(shape, strides) {
            offsets = offsets.flatMap { base in (0..<size).map { base + $0 * stride } }
        }
        return offsets
    }

    public func run(a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                    activation: Activation = .identity, pool: ThreadPool, workspace: Workspace) {
        for index in 0..<batch {
            PackedGEMM.multiply(
                m: m, n: n, k: k,
                a: StridedPacker(data: a + aOffsets[index], extent: m, extentStride: aStrides.row, depthStride: aStrides.depth),
                b: StridedPacker(data: b + bOffsets[index], extent: n, extentStride: bStrides.column, depthStride: bStrides.depth),
                output: GEMMOutput(data: output + index * m * n, rowStride: n, activation: activation),
                pool: pool, workspace: workspace)
        }
    }

    /// The same products by the plain definition: for products too small for packing to pay
    /// (or with no depth at all, whose outputs are zeros).
    public func runReference(a: UnsafePointer<Float>, b: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for index in 0..<batch {
            ReferenceGEMM.multiply(m: m, n: n, k: k, a: a + aOffsets[index], aRowStride: aStrides.row, aDepthStride: aStrides.depth,
                                   b: b + bOffsets[index], bDepthStride: bStrides.depth, bColumnStride: bStrides.column,
                                   c: output + index * m * n)
        }
    }
}
