import COpenBLAS

/// Single-precision GEMM through OpenBLAS: the baseline the pattern kernels are compared with.
public enum OpenBLASGEMM {
    /// C (m × n) = A (m × k) · B (k × n), all row-major and contiguous.
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(k), b, Int32(n), 0, c, Int32(n))
    }

    /// Sets OpenBLAS's own thread count (process-wide).
    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// The core type OpenBLAS chose for this CPU (for example "Haswell" or "Zen").
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
