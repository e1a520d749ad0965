import Foundation

/// An elementwise arithmetic operator of two tensors.
public enum BinaryOperator: Sendable, Equatable {
    case add, subtract, multiply, divide, power, maximum, minimum

    @inline(__always)
    func apply(_ a: Float, _ b: Float) -> Float {
        switch self {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .power: b == 2 ? a * a : Foundation.pow(a, b)
        case .maximum: Swift.max(a, b)
        case .minimum: Swift.min(a, b)
        }
    }

    @inline(__always)
    func apply(_ a: Vector, _ b: Vector) -> Vector {
        switch self {
        case .add: return a + b
        case .subtract: return a - b
        case .multiply: return a * b
        case .divide: return a / b
        case .maximum: return SculptKernels.maximum(a, b)
        case .minimum: return SculptKernels.minimum(a, b)
        case .power:
            var r = Vector()
            for i in 0..<Vector.scalarCount { r[i] = apply(a[i], b[i]) }
            return r
        }
    }
}

/// Elementwise `out = a ∘ b` with NumPy broadcasting, planned once for fixed shapes.
///
/// Dimensions are merged where both operands stay contiguous (or stay broadcast), so the
/// common cases — equal shapes, a per-channel operand, a scalar — run as one vector loop
/// over long rows.
public struct BroadcastBinary: Sendable {
    public let op: BinaryOperator
    public let activation: Activation
    /// Output shape after merging dimensions; `aStrides`/`bStrides` are element strides (0 = broadcast).
    let shape: [Int]
    let aStrides: [Int]
    let bStrides: [Int]
    public let count: Int

    public init(op: BinaryOperator, aShape: [Int], bShape: [Int], outputShape: [Int], activation: Activation = .identity) {
        self.op = op
        self.activation = activation
        count = outputShape.reduce(1, *)
        let sa = BroadcastBinary.strides(aShape, outputShape), sb = BroadcastBinary.strides(bShape, outputShape)
        var shape = [Int](), aStrides = [Int](), bStrides = [Int]()
        for axis in outputShape.indices where outputShape[axis] != 1 {
            if let last = shape.indices.last,
               aStrides[last] == sa[axis] * outputShape[axis], bStrides[last] == sb[axis] * outputShape[axis] {
                // Merge with the previous (outer) dimension: the walk stays regular.
                shape[last] *= outputShape[axis]
                aStrides[last] = sa[axis]
                bStrides[last] = sb[axis]
            } else {
                shape.append(outputShape[axis])
                aStrides.append(sa[axis])
                bStrides.append(sb[axis])
            }
        }
        if shape.isEmpty { shape = [1]; aStrides = [0]; bStrides = [0] }
        self.shape = shape
        self.aStrides = aStrides
        self.bStrides = bStrides
    }

    static func strides(_ shape: [Int], _ target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let axis = target.count - shape.count + i
            strides[axis] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }

    public func run(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let inner = shape.last!, outer = count / max(inner, 1)
        let sa = aStrides.last!, sb = bStrides.last!
        // Rows of the innermost dimension, spread over threads when there is enough work.
        let parts = count >= 1 << 15 ? pool.threadCount : 1
        func work(_ rows: Range<Int>) {
            for row in rows {
                var aOffset = 0, bOffset = 0, rest = row
                for axis in stride(from: self.shape.count - 2, through: 0, by: -1) {
                    let i = rest % self.shape[axis]
                    rest /= self.shape[axis]
                    aOffset += i * self.aStrides[axis]
                    bOffset += i * self.bStrides[axis]
                }
                self.runRow(a + aOffset, sa, b + bOffset, sb, out + row * inner, inner)
            }
        }
        if parts == 1 || outer == 1 {
            if outer == 1 && parts > 1 {
                pool.parallelRanges(inner / Vector.scalarCount + 1) { chunks in
                    let lo = chunks.lowerBound * Vector.scalarCount, hi = min(inner, chunks.upperBound * Vector.scalarCount)
                    if lo < hi { self.runRow(a + lo * sa, sa, b + lo * sb, sb, out + lo, hi - lo) }
                }
            } else {
                work(0..<outer)
            }
        } else {
            pool.parallelRanges(outer, work)
        }
    }

    @inline(__always)
    private func runRow(_ a: UnsafePointer<Float>, _ sa: Int, _ b: UnsafePointer<Float>, _ sb: Int,
                        _ out: UnsafeMutablePointer<Float>, _ n: Int) {
        let lanes = Vector.scalarCount
        var i = 0
        if sa == 1 && sb == 1 {
            while i + lanes <= n {
                (out + i).store(op.apply((a + i).vector(), (b + i).vector()))
                i += lanes
            }
        } else if sa == 1 && sb == 0 {
            let bv = Vector(repeating: b[0])
            while i + lanes <= n {
                (out + i).store(op.apply((a + i).vector(), bv))
                i += lanes
            }
        } else if sa == 0 && sb == 1 {
            let av = Vector(repeating: a[0])
            while i + lanes <= n {
                (out + i).store(op.apply(av, (b + i).vector()))
                i += lanes
            }
        }
        while i < n {
            out[i] = op.apply(a[i * sa], b[i * sb])
            i += 1
        }
        activation.apply(out, count: n)
    }
}
