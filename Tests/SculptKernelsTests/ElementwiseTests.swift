import Foundation
import SculptKernels
import SculptTestNumerics
import Testing

/// Broadcast arithmetic and pointwise functions against scalar definitions.
@Suite struct ElementwiseTests {
    struct Shapes: CustomTestStringConvertible, Sendable {
        var a: [Int], b: [Int], out: [Int]
        var testDescription: String { "\(a) ∘ \(b)" }
    }

    static let shapes = [
        Shapes(a: [2, 3, 4, 5], b: [2, 3, 4, 5], out: [2, 3, 4, 5]),
        Shapes(a: [2, 16, 7, 7], b: [1, 16, 1, 1], out: [2, 16, 7, 7]),
        Shapes(a: [3, 1, 5], b: [4, 1], out: [3, 4, 5]),
        Shapes(a: [], b: [6, 35], out: [6, 35]),
        Shapes(a: [197, 64], b: [64], out: [197, 64]),
        Shapes(a: [1, 70000], b: [1], out: [1, 70000]),
    ]

    @Test(arguments: shapes, [BinaryOperator.add, .subtract, .multiply, .divide, .maximum])
    func broadcastBinaryMatchesDefinition(_ s: Shapes, op: BinaryOperator) {
        let a = Buffer(random: s.a.reduce(1, *), seed: 50), b = Buffer((seededFloats(s.b.reduce(1, *), seed: 51)).map { $0 + 2 })
        let out = Buffer(zeros: s.out.reduce(1, *))
        let (pool, _) = machinery(threads: 2)
        BroadcastBinary(op: op, aShape: s.a, bShape: s.b, outputShape: s.out, activation: .relu)
            .run(a.pointer, b.pointer, out.pointer, pool: pool)
        func element(_ values: [Float], _ shape: [Int], _ index: [Int]) -> Float {
            var offset = 0
            for (axis, n) in shape.enumerated() { offset = offset * n + (n == 1 ? 0 : index[index.count - shape.count + axis]) }
            return values[offset]
        }
        let expected = (0..<out.count).map { flat -> Float in
            var index = [Int](repeating: 0, count: s.out.count), rest = flat
            for axis in s.out.indices.reversed() { index[axis] = rest % s.out[axis]; rest /= s.out[axis] }
            let x = element(a.values, s.a, index), y = element(b.values, s.b, index)
            let value: Float = switch op {
            case .add: x + y
            case .subtract: x - y
            case .multiply: x * y
            case .divide: x / y
            case .maximum: max(x, y)
            default: .nan
            }
            return max(value, 0)
        }
        #expect(relativeError(out.values, expected) <= 1e-6)
    }

    /// The vector forms of every activation agree with libm's scalar definitions.
    @Test(arguments: [Activation.relu, .leakyRelu(alpha: 0.1), .clip(min: -0.5, max: 3), .sigmoid, .silu,
                      .hardSigmoid(alpha: 0.2, beta: 0.5), .hardSwish, .tanh, .erf, .sqrt, .exp])
    func activationMatchesReference(_ activation: Activation) {
        let count = 4001
        let x = (0..<count).map { i -> Float in
            let t = Float(i) / Float(count - 1) * 24 - 12
            return activation == .sqrt ? abs(t) : t
        }
        let buffer = Buffer(x)
        activation.apply(buffer.pointer, count: count)
        for (actual, input) in zip(buffer.values, x) {
            let expected = activation.reference(input)
            #expect(abs(actual - expected) <= 2e-6 * max(1, abs(expected)), "\(activation) at \(input)")
        }
    }

    /// e^x keeps single-precision relative accuracy over the range exp is used on.
    @Test func vectorExpIsAccurate() {
        for i in stride(from: -87, through: 88, by: 1) {
            // Up to ln(FLT_MAX); beyond it e^x is not a float.
            let x = Vector((0..<16).map { min(Float(i) + Float($0) / 16, 88.72) })
            let y = VectorMath.exp(x)
            for lane in 0..<16 {
                #expect(abs(y[lane] - Foundation.exp(x[lane])) <= 4e-7 * Foundation.exp(x[lane]), "exp(\(x[lane]))")
            }
        }
    }
}
