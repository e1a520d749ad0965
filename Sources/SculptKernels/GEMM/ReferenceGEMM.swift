/// The plain definition the fast GEMMs are tested against.
public enum ReferenceGEMM {
    /// C (m × n, row-major) = A (m × k) · B (k × n), with element strides for A and B.
    public static func multiply(m: Int, n: Int, k: Int,
                                a: UnsafePointer<Float>, aRowStride: Int, aDepthStride: Int,
                                b: UnsafePointer<Float>, bDepthStride: Int, bColumnStride: Int,
                                c: UnsafeMutablePointer<Float>) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: Double = 0
                for p in 0..<k { sum += Double(a[i * aRowStride + p * aDepthStride]) * Double(b[p * bDepthStride + j * bColumnStride]) }
                c[i * n + j] = Float(sum)
            }
        }
    }
}
