import CArmadillo

/// Dense linear algebra through Armadillo (LAPACK underneath): the least-squares solves that
/// layer-wise reconstruction of pruned weights needs. Matrices are row-major `[Float]`.
public enum LinearAlgebra {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// X (n × k) minimizing ‖A·X − B‖² + ridge·‖X‖², for A (m × n) and B (m × k).
    public static func leastSquares(_ a: [Float], rows m: Int, columns n: Int, _ b: [Float], columns k: Int,
                                    ridge: Float = 0) throws -> [Float] {
        precondition(a.count == m * n && b.count == m * k, "A must be \(m) × \(n) and B \(m) × \(k)")
        var x = [Float](repeating: 0, count: n * k)
        try call { error, capacity in
            sculpt_arma_least_squares(a, Int32(m), Int32(n), b, Int32(k), ridge, &x, error, capacity)
        }
        return x
    }

    /// X (n × k) solving S·X = B for a symmetric positive definite S (n × n), by Cholesky.
    public static func choleskySolve(_ s: [Float], size n: Int, _ b: [Float], columns k: Int) throws -> [Float] {
        precondition(s.count == n * n && b.count == n * k, "S must be \(n) × \(n) and B \(n) × \(k)")
        var x = [Float](repeating: 0, count: n * k)
        try call { error, capacity in sculpt_arma_cholesky_solve(s, Int32(n), b, Int32(k), &x, error, capacity) }
        return x
    }

    /// The singular values of A (m × n), largest first.
    public static func singularValues(_ a: [Float], rows m: Int, columns n: Int) throws -> [Float] {
        precondition(a.count == m * n, "A must be \(m) × \(n)")
        var values = [Float](repeating: 0, count: min(m, n))
        try call { error, capacity in sculpt_arma_singular_values(a, Int32(m), Int32(n), &values, error, capacity) }
        return values
    }

    /// Runs a shim function, turning its error message into a thrown `Failure`.
    private static func call(_ body: (UnsafeMutablePointer<CChar>, Int32) -> Int32) throws {
        var message = [CChar](repeating: 0, count: 256)
        let status = message.withUnsafeMutableBufferPointer { body($0.baseAddress!, Int32($0.count)) }
        guard status == 0 else {
            throw Failure(description: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }
}
