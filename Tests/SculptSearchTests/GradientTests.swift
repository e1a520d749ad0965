import Foundation
import SculptKernels
import SculptSearch
import Testing

/// Every autodiff operation's gradient against central finite differences.
@Suite struct GradientTests {
    /// Values in [-1, 1), at least `margin` away from 0 (kinks of ReLU-like operations sit there).
    static func values(_ count: Int, seed: UInt64, margin: Float = 0) -> [Float] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in
            let x = random.uniform(-1, 1)
            return x + (x < 0 ? -margin : margin)
        }
    }

    /// Checks d(Σ f(inputs) ⊙ R)/d(inputs) for a fixed random R.
    static func check(_ shapes: [(Int, Int)], margin: Float = 0, _ f: (Tape, [Variable]) -> Variable) {
        let parameters = shapes.enumerated().map { i, shape in
            Parameter(Matrix(rows: shape.0, columns: shape.1, values: values(shape.0 * shape.1, seed: UInt64(i + 1), margin: margin)))
        }
        let probe = Tape()
        let shape = probe.value(f(probe, parameters.map(probe.parameter)))
        let weights = Matrix(rows: shape.rows, columns: shape.columns, values: values(shape.count, seed: 99))
        func loss() -> (Tape, Variable) {
            let tape = Tape()
            let out = f(tape, parameters.map(tape.parameter))
            return (tape, tape.sum(tape.multiply(out, tape.constant(weights))))
        }
        let (tape, l) = loss()
        tape.backward(l)
        let h: Float = 1e-2
        for p in parameters {
            for i in p.value.values.indices {
                let original = p.value.values[i]
                p.value.values[i] = original + h
                let up = { let (t, v) = loss(); return t.value(v).values[0] }()
                p.value.values[i] = original - h
                let down = { let (t, v) = loss(); return t.value(v).values[0] }()
                p.value.values[i] = original
                let numeric = (up - down) / (2 * h), analytic = p.gradient.values[i]
                #expect(abs(numeric - analytic) <= 1e-2 * max(1, abs(numeric)), "element \(i): \(analytic) vs \(numeric)")
            }
        }
    }

    @Test func matmulAndBroadcastAdd() {
        Self.check([(3, 4), (4, 5), (1, 5)]) { t, v in t.add(t.matmul(v[0], v[1]), v[2]) }
    }

    @Test func elementwise() {
        Self.check([(3, 4), (3, 4)]) { t, v in t.multiply(t.tanh(v[0]), t.exp(t.subtract(v[1], v[0]))) }
        Self.check([(3, 4), (3, 1)]) { t, v in t.multiply(v[0], v[1]) }
        Self.check([(2, 3)]) { t, v in t.scale(v[0], -2.5) }
    }

    @Test func kinkedOperationsAwayFromTheirKinks() {
        Self.check([(4, 3)], margin: 0.1) { t, v in t.leakyRelu(v[0], slope: 0.2) }
        // Small moves around fixed points that sit at least 0.1 from every kink.
        let base = Matrix(rows: 4, columns: 3, values: [-0.9, -0.3, 0.2, 0.7, 0.1, -0.65, 0.35, 1.2, -1.4, 0, 0.8, -0.2])
        let other = Matrix(rows: 4, columns: 3, values: base.values.enumerated().map { $0.offset % 2 == 0 ? $0.element + 0.3 : $0.element - 0.3 })
        Self.check([(4, 3)]) { t, v in t.clamp(t.add(t.scale(v[0], 0.05), t.constant(base)), -0.5, 0.5) }
        Self.check([(4, 3), (4, 3)]) { t, v in
            t.minimum(t.add(t.scale(v[0], 0.05), t.constant(base)), t.add(t.scale(v[1], 0.05), t.constant(other)))
        }
    }

    @Test func reductions() {
        Self.check([(3, 4)]) { t, v in t.sum(t.tanh(v[0])) }
        Self.check([(3, 4)]) { t, v in t.mean(t.exp(v[0])) }
    }

    @Test func graphOperations() {
        let edges = [0, 2, 2, 1, 3, 0], targets = [1, 1, 0, 2, 2, 2]
        Self.check([(4, 3)]) { t, v in t.scatterAddRows(t.gatherRows(v[0], edges), targets, rows: 4) }
        Self.check([(6, 1)]) { t, v in t.segmentSoftmax(v[0], segments: targets, count: 4) }
        Self.check([(3, 2), (3, 3)]) { t, v in t.concatColumns(v[0], v[1]) }
        Self.check([(3, 2)]) { t, v in t.multiply(t.transpose(v[0]), t.transpose(v[0])) }
    }

    @Test func gatv2Layer() {
        var random = SeededRandom(seed: 5)
        let layer = GATv2Layer(inputs: 3, outputs: 4, random: &random)
        let graph = GraphInput(features: Matrix(zeros: 5, 3), sources: [0, 1, 1, 3, 2], targets: [1, 2, 3, 4, 4],
                               edgeFeatures: [0.5, -0.3, 1, 0.2, 0.7])
        Self.check([(5, 3)]) { t, v in layer(t, v[0], graph) }
    }

    @Test func logProbabilitiesOfChosenActions() {
        let allowed = [true, true, false, true, true, true, true, false, false, true, true, true]
        Self.check([(3, 4)]) { t, v in t.pick(t.logSoftmax(v[0], allowed: allowed), columns: [1, 0, 3]) }
        Self.check([(3, 4)]) { t, v in t.pick(t.logSoftmax(v[0]), columns: [2, 2, 0]) }
    }

    @Test func logSoftmaxIsANormalizedDistribution() {
        let tape = Tape()
        let allowed = [true, false, true, true]
        let out = tape.value(tape.logSoftmax(tape.constant(Matrix(rows: 1, columns: 4, values: [0.3, 5, -1, 2])), allowed: allowed))
        #expect(out.values[1] == Tape.excluded)
        #expect(abs(out.values.map { Foundation.exp($0) }.reduce(0, +) - 1) < 1e-6)
    }

    @Test func adamMinimizesAQuadratic() {
        let x = Parameter(Matrix(rows: 1, columns: 3, values: [3, -2, 1]))
        let adam = Adam(learningRate: 0.1)
        for _ in 0..<300 {
            let t = Tape()
            let v = t.parameter(x)
            let target = t.constant(Matrix(rows: 1, columns: 3, values: [1, 1, 1]))
            let d = t.subtract(v, target)
            t.backward(t.sum(t.multiply(d, d)))
            adam.step([x])
        }
        #expect(x.value.values.allSatisfy { abs($0 - 1) < 0.05 })
    }

    @Test func seededRandomRepeats() {
        var a = SeededRandom(seed: 42), b = SeededRandom(seed: 42), c = SeededRandom(seed: 43)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
    }
}
