import COpenBLAS
import Foundation

/// Single-precision GEMM through OpenBLAS: the baseline the pattern kernels are compared with.
public enum OpenBLASGEMM {
    /// C (m × n) = A (m × k) · B (k × n), all row-major and contiguous.
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
                                c: UnsafeMutablePointer<Float>) {
        multiply(m: m, n: n, k: k, a: a, transposeA: false, b: b, transposeB: false, c: c, accumulate: false)
    }

    /// C (m × n) = op(A) · op(B), plus C when `accumulate`; op(A) is m × k (A stored k × m when
    /// transposed), op(B) is k × n (B stored n × k when transposed); row-major, contiguous.
    public static func multiply(m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transposeA: Bool,
                                b: UnsafePointer<Float>, transposeB: Bool, c: UnsafeMutablePointer<Float>, accumulate: Bool) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    accumulate ? 1 : 0, c, Int32(n))
    }

    /// Sets OpenBLAS's own thread count (process-wide).
    public static func setThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }

    /// One OpenBLAS thread unless OPENBLAS_NUM_THREADS says otherwise. Our kernels run on their
    /// own pool; OpenBLAS's idle workers spin on sched_yield and take cores from it (a third of
    /// `sculpt prune`'s time when they were left on).
    public static func oneThreadUnlessConfigured() {
        if ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] == nil { setThreads(1) }
    }

    /// The core type OpenBLAS chose for this CPU (for example "Haswell" or "Zen").
    public static var coreName: String { String(cString: openblas_get_corename()) }
}
