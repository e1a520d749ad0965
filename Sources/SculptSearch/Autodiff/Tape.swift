import Foundation
import SculptKernels

/// A learnable matrix: its value, and the gradient that `Tape.backward` accumulates into it.
public final class Parameter: @unchecked Sendable {
    public var value: Matrix
    public var gradient: Matrix

    public init(_ value: Matrix) {
        self.value = value
        gradient = Matrix(zeros: value.rows, value.columns)
    }

    public func zeroGradient() { gradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
}

/// A value recorded on a tape.
public struct Variable: Sendable {
    let index: Int
}

/// Reverse-mode automatic differentiation over matrices: operations record their result and how
/// to send a gradient back to their inputs; `backward` replays them in reverse. Products go
/// through OpenBLAS. A tape is used for one forward and one backward pass, then dropped.
public final class Tape {
    private var values = [Matrix]()
    private var gradients = [Matrix?]()
    private var backwards = [(Tape) -> Void]()
    private var parameters = [(Variable, Parameter)]()

    public init() {}

    /// The value of `v`.
    public func value(_ v: Variable) -> Matrix { values[v.index] }

    /// The gradient that reached `v` in the last `backward` (zeros if none did).
    public func gradient(_ v: Variable) -> Matrix {
        gradients[v.index] ?? Matrix(zeros: values[v.index].rows, values[v.index].columns)
    }

    private func record(_ value: Matrix, _ backward: @escaping (Tape, Matrix) -> Void = { _, _ in }) -> Variable {
        let v = Variable(index: values.count)
        values.append(value)
        gradients.append(nil)
        backwards.append { tape in if let g = tape.gradients[v.index] { backward(tape, g) } }
        return v
    }

    /// Adds `g` to the gradient of `v`.
    private func accumulate(_ v: Variable, _ g: Matrix) {
        if var existing = gradients[v.index] {
            for i in existing.values.indices { existing.values[i] += g.values[i] }
            gradients[v.index] = existing
        } else {
            gradients[v.index] = g
        }
    }

    public func constant(_ m: Matrix) -> Variable { record(m) }

    /// A parameter's current value; `backward` adds its gradient to `parameter.gradient`.
    public func parameter(_ p: Parameter) -> Variable {
        let v = record(p.value)
        parameters.append((v, p))
        return v
    }

    /// Propagates d`loss`/d(every recorded value) back from the 1 × 1 `loss`.
    public func backward(_ loss: Variable) {
        precondition(values[loss.index].count == 1, "the loss must be a single value")
        gradients[loss.index] = Matrix(rows: 1, columns: 1, values: [1])
        for i in stride(from: loss.index, through: 0, by: -1) { backwards[i](self) }
        for (v, p) in parameters {
            guard let g = gradients[v.index] else { continue }
            for i in p.gradient.values.indices { p.gradient.values[i] += g.values[i] }
        }
    }

    // MARK: Operations

    /// a (m × k) · b (k × n).
    public func matmul(_ a: Variable, _ b: Variable) -> Variable {
        let x = values[a.index], y = values[b.index]
        precondition(x.columns == y.rows, "cannot multiply \(x.rows)×\(x.columns) by \(y.rows)×\(y.columns)")
        var out = Matrix(zeros: x.rows, y.columns)
        Self.gemm(x, false, y, false, into: &out, accumulate: false)
        return record(out) { tape, g in
            var da = Matrix(zeros: x.rows, x.columns), db = Matrix(zeros: y.rows, y.columns)
            Self.gemm(g, false, y, true, into: &da, accumulate: false)
            Self.gemm(x, true, g, false, into: &db, accumulate: false)
            tape.accumulate(a, da)
            tape.accumulate(b, db)
        }
    }

    private static func gemm(_ a: Matrix, _ ta: Bool, _ b: Matrix, _ tb: Bool, into c: inout Matrix, accumulate: Bool) {
        let m = ta ? a.columns : a.rows, k = ta ? a.rows : a.columns, n = tb ? b.rows : b.columns
        guard m > 0, n > 0 else { return }
        guard k > 0 else { return }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    OpenBLASGEMM.multiply(m: m, n: n, k: k, a: pa.baseAddress!, transposeA: ta, b: pb.baseAddress!, transposeB: tb,
                                          c: pc.baseAddress!, accumulate: accumulate)
                }
            }
        }
    }

    /// a + b, where b has a's shape or is one row added to every row of a.
    public func add(_ a: Variable, _ b: Variable) -> Variable {
        let x = values[a.index], y = values[b.index]
        let broadcast = y.rows == 1 && x.rows != 1
        precondition(y.columns == x.columns && (broadcast || y.rows == x.rows), "cannot add \(y.rows)×\(y.columns) to \(x.rows)×\(x.columns)")
        var out = x
        for i in out.values.indices { out.values[i] += y.values[broadcast ? i % x.columns : i] }
        return record(out) { tape, g in
            tape.accumulate(a, g)
            guard broadcast else { return tape.accumulate(b, g) }
            var db = Matrix(zeros: 1, x.columns)
            for i in g.values.indices { db.values[i % x.columns] += g.values[i] }
            tape.accumulate(b, db)
        }
    }

    /// a − b, same shapes.
    public func subtract(_ a: Variable, _ b: Variable) -> Variable { add(a, scale(b, -1)) }

    /// a ⊙ b, where b has a's shape or is one column multiplying every column of a.
    public func multiply(_ a: Variable, _ b: Variable) -> Variable {
        let x = values[a.index], y = values[b.index]
        let broadcast = y.columns == 1 && x.columns != 1
        precondition(y.rows == x.rows && (broadcast || y.columns == x.columns), "cannot multiply \(x.rows)×\(x.columns) by \(y.rows)×\(y.columns) elementwise")
        let factor = { (i: Int) in broadcast ? i / x.columns : i }
        var out = x
        for i in out.values.indices { out.values[i] *= y.values[factor(i)] }
        return record(out) { tape, g in
            var da = g, db = Matrix(zeros: y.rows, y.columns)
            for i in g.values.indices {
                da.values[i] = g.values[i] * y.values[factor(i)]
                db.values[factor(i)] += g.values[i] * x.values[i]
            }
            tape.accumulate(a, da)
            tape.accumulate(b, db)
        }
    }

    /// s · a.
    public func scale(_ a: Variable, _ s: Float) -> Variable {
        pointwise(a) { x in (s * x, s) }
    }

    /// max(x, slope · x) elementwise (ReLU for slope 0).
    public func leakyRelu(_ a: Variable, slope: Float = 0) -> Variable {
        pointwise(a) { x in x > 0 ? (x, 1) : (slope * x, slope) }
    }

    public func tanh(_ a: Variable) -> Variable {
        pointwise(a) { x in let y = Foundation.tanh(x); return (y, 1 - y * y) }
    }

    public func exp(_ a: Variable) -> Variable {
        pointwise(a) { x in let y = Foundation.exp(x); return (y, y) }
    }

    /// a limited to lower...upper; the gradient passes only where a is inside.
    public func clamp(_ a: Variable, _ lower: Float, _ upper: Float) -> Variable {
        pointwise(a) { x in x < lower ? (lower, 0) : x > upper ? (upper, 0) : (x, 1) }
    }

    /// An elementwise function given as (value, derivative) of each input.
    private func pointwise(_ a: Variable, _ f: (Float) -> (Float, Float)) -> Variable {
        let x = values[a.index]
        var out = x, derivative = x
        for i in x.values.indices { (out.values[i], derivative.values[i]) = f(x.values[i]) }
        return record(out) { tape, g in
            var da = g
            for i in da.values.indices { da.values[i] *= derivative.values[i] }
            tape.accumulate(a, da)
        }
    }

    /// The elementwise minimum of a and b (same shapes); ties send the gradient to a.
    public func minimum(_ a: Variable, _ b: Variable) -> Variable {
        let x = values[a.index], y = values[b.index]
        precondition(x.rows == y.rows && x.columns == y.columns, "minimum needs equal shapes")
        var out = x
        for i in out.values.indices where y.values[i] < x.values[i] { out.values[i] = y.values[i] }
        return record(out) { tape, g in
            var da = Matrix(zeros: x.rows, x.columns), db = da
            for i in g.values.indices {
                if y.values[i] < x.values[i] { db.values[i] = g.values[i] } else { da.values[i] = g.values[i] }
            }
            tape.accumulate(a, da)
            tape.accumulate(b, db)
        }
    }

    /// The sum of all elements, 1 × 1.
    public func sum(_ a: Variable) -> Variable {
        let x = values[a.index]
        return record(Matrix(rows: 1, columns: 1, values: [x.values.reduce(0, +)])) { tape, g in
            tape.accumulate(a, Matrix(rows: x.rows, columns: x.columns, values: [Float](repeating: g.values[0], count: x.count)))
        }
    }

    /// The mean of all elements, 1 × 1.
    public func mean(_ a: Variable) -> Variable { scale(sum(a), 1 / Float(max(values[a.index].count, 1))) }

    /// Rows `indices` of a, in that order (rows may repeat).
    public func gatherRows(_ a: Variable, _ indices: [Int]) -> Variable {
        let x = values[a.index], c = x.columns
        var out = Matrix(zeros: indices.count, c)
        for (r, i) in indices.enumerated() { for j in 0..<c { out.values[r * c + j] = x.values[i * c + j] } }
        return record(out) { tape, g in
            var da = Matrix(zeros: x.rows, c)
            for (r, i) in indices.enumerated() { for j in 0..<c { da.values[i * c + j] += g.values[r * c + j] } }
            tape.accumulate(a, da)
        }
    }

    /// A `rows` × columns matrix whose row i is the sum of the rows r of a with indices[r] == i.
    public func scatterAddRows(_ a: Variable, _ indices: [Int], rows: Int) -> Variable {
        let x = values[a.index], c = x.columns
        precondition(indices.count == x.rows, "one index per row")
        var out = Matrix(zeros: rows, c)
        for (r, i) in indices.enumerated() { for j in 0..<c { out.values[i * c + j] += x.values[r * c + j] } }
        return record(out) { tape, g in
            var da = Matrix(zeros: x.rows, c)
            for (r, i) in indices.enumerated() { for j in 0..<c { da.values[r * c + j] = g.values[i * c + j] } }
            tape.accumulate(a, da)
        }
    }

    /// Softmax of a column of scores within segments: entries r with the same `segments[r]` (the
    /// edges into one node) share one softmax.
    public func segmentSoftmax(_ a: Variable, segments: [Int], count: Int) -> Variable {
        let x = values[a.index]
        precondition(x.columns == 1 && segments.count == x.rows, "segment softmax takes one score per segment entry")
        var maxima = [Float](repeating: -.infinity, count: count), sums = [Float](repeating: 0, count: count)
        for (r, s) in segments.enumerated() { maxima[s] = max(maxima[s], x.values[r]) }
        var out = x
        for (r, s) in segments.enumerated() {
            out.values[r] = Foundation.exp(x.values[r] - maxima[s])
            sums[s] += out.values[r]
        }
        for (r, s) in segments.enumerated() { out.values[r] /= sums[s] }
        return record(out) { tape, g in
            // d softmax: y ⊙ (g − Σ_segment g ⊙ y).
            var dots = [Float](repeating: 0, count: count)
            for (r, s) in segments.enumerated() { dots[s] += g.values[r] * out.values[r] }
            var da = g
            for (r, s) in segments.enumerated() { da.values[r] = out.values[r] * (g.values[r] - dots[s]) }
            tape.accumulate(a, da)
        }
    }

    /// The log-probability given to excluded entries: finite, so that p · log p is 0, not NaN.
    public static let excluded: Float = -1e30

    /// Log-softmax of each row; entries where `allowed` is false get probability zero (`excluded`) and no gradient.
    public func logSoftmax(_ a: Variable, allowed: [Bool]? = nil) -> Variable {
        let x = values[a.index], c = x.columns
        var out = x, probabilities = x
        for r in 0..<x.rows {
            let row = (r * c)..<(r * c + c)
            let ok = { (i: Int) in allowed?[i] ?? true }
            let m = row.filter(ok).map { x.values[$0] }.max() ?? 0
            let total = row.filter(ok).reduce(Float(0)) { $0 + Foundation.exp(x.values[$1] - m) }
            for i in row {
                out.values[i] = ok(i) ? x.values[i] - m - Foundation.log(total) : Self.excluded
                probabilities.values[i] = ok(i) ? Foundation.exp(out.values[i]) : 0
            }
        }
        return record(out) { tape, g in
            var da = g
            for r in 0..<x.rows {
                let row = (r * c)..<(r * c + c)
                let total = row.reduce(Float(0)) { $0 + ((allowed?[$1] ?? true) ? g.values[$1] : 0) }
                for i in row { da.values[i] = (allowed?[i] ?? true) ? g.values[i] - probabilities.values[i] * total : 0 }
            }
            tape.accumulate(a, da)
        }
    }

    /// Entry `columns[r]` of each row r, as a column.
    public func pick(_ a: Variable, columns: [Int]) -> Variable {
        let x = values[a.index]
        precondition(columns.count == x.rows, "one column per row")
        let out = Matrix(rows: x.rows, columns: 1, values: columns.enumerated().map { x.values[$0 * x.columns + $1] })
        return record(out) { tape, g in
            var da = Matrix(zeros: x.rows, x.columns)
            for (r, c) in columns.enumerated() { da.values[r * x.columns + c] = g.values[r] }
            tape.accumulate(a, da)
        }
    }

    /// aᵀ.
    public func transpose(_ a: Variable) -> Variable {
        let x = values[a.index]
        func transposed(_ m: Matrix) -> Matrix {
            var out = Matrix(zeros: m.columns, m.rows)
            for r in 0..<m.rows { for c in 0..<m.columns { out.values[c * m.rows + r] = m.values[r * m.columns + c] } }
            return out
        }
        return record(transposed(x)) { tape, g in tape.accumulate(a, transposed(g)) }
    }

    /// [a | b]: the columns of b after those of a (same rows).
    public func concatColumns(_ a: Variable, _ b: Variable) -> Variable {
        let x = values[a.index], y = values[b.index]
        precondition(x.rows == y.rows, "concatenated matrices need equal rows")
        let c = x.columns + y.columns
        var out = Matrix(zeros: x.rows, c)
        for r in 0..<x.rows {
            for j in 0..<x.columns { out.values[r * c + j] = x.values[r * x.columns + j] }
            for j in 0..<y.columns { out.values[r * c + x.columns + j] = y.values[r * y.columns + j] }
        }
        return record(out) { tape, g in
            var da = Matrix(zeros: x.rows, x.columns), db = Matrix(zeros: y.rows, y.columns)
            for r in 0..<x.rows {
                for j in 0..<x.columns { da.values[r * x.columns + j] = g.values[r * c + j] }
                for j in 0..<y.columns { db.values[r * y.columns + j] = g.values[r * c + x.columns + j] }
            }
            tape.accumulate(a, da)
            tape.accumulate(b, db)
        }
    }
}
