import SculptKernels
import SculptTestNumerics
import Testing

/// The Armadillo shim, on systems with known solutions.
@Suite struct LinearAlgebraTests {
    @Test func leastSquaresRecoversAnExactSolution() throws {
        let (m, n, k) = (50, 6, 3)
        let a = seededFloats(m * n, seed: 70), x = seededFloats(n * k, seed: 71)
        var b = [Float](repeating: 0, count: m * k)
        for i in 0..<m { for j in 0..<k { for p in 0..<n { b[i * k + j] += a[i * n + p] * x[p * k + j] } } }
        let solved = try LinearAlgebra.leastSquares(a, rows: m, columns: n, b, columns: k)
        #expect(relativeError(solved, x) <= 1e-4)
    }

    @Test func choleskySolvesAPositiveDefiniteSystem() throws {
        let s: [Float] = [4, 1, 0, 1, 3, 1, 0, 1, 2], x: [Float] = [1, -2, 3]
        let b = (0..<3).map { i in (0..<3).map { s[i * 3 + $0] * x[$0] }.reduce(0, +) }
        #expect(relativeError(try LinearAlgebra.choleskySolve(s, size: 3, b, columns: 1), x) <= 1e-5)
    }

    @Test func singularValuesOfADiagonalMatrix() throws {
        let values = try LinearAlgebra.singularValues([3, 0, 0, 0, -5, 0], rows: 2, columns: 3)
        #expect(relativeError(values, [5, 3]) <= 1e-6)
    }

    @Test func aSingularSystemIsAnErrorNotACrash() {
        #expect(throws: LinearAlgebra.Failure.self) {
            try LinearAlgebra.choleskySolve([1, 1, 1, 1], size: 2, [1, 2], columns: 1)
        }
    }
}
