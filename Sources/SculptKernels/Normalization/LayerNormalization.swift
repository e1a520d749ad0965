/// Layer normalization over the last `size` values of each row:
/// out = (x − mean) / sqrt(var + epsilon) · scale + bias.
public struct LayerNormalization: Sendable {
    public let rows: Int
    public let size: Int
    public let epsilon: Float

    public init(rows: Int, size: Int, epsilon: Float) {
        self.rows = rows
        self.size = size
        self.epsilon = epsilon
    }

    /// `scale` and `bias` hold `size` values (bias may be nil); `mean` and `inverseDeviation`,
    /// when given, receive each row's statistics (ONNX's optional outputs).
    public func run(input: UnsafePointer<Float>, scale: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                    output: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>? = nil,
                    inverseDeviation: UnsafeMutablePointer<Float>? = nil, pool: ThreadPool) {
        pool.parallelRanges(rows, work: rows * size, minimumWork: 1 << 14) { range in
            for row in range {
                let (m, d) = self.normalize(input + row * size, scale, bias, output + row * size)
                mean?[row] = m
                inverseDeviation?[row] = d
            }
        }
    }

    /// Normalizes one row; returns its mean and 1 / standard deviation.
    @inline(__always)
    private func normalize(_ x: UnsafePointer<Float>, _ scale: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                           _ out: UnsafeMutablePointer<Float>) -> (Float, Float) {
        let lanes = Vector.scalarCount
        var sum = Vector(), i = 0
        while i + lanes <= size { sum += (x + i).vector(); i += lanes }
        var total = sum.sum()
        while i < size { total += x[i]; i += 1 }
        let mean = total / Float(size)
        // Two passes (mean, then squared deviations) for accuracy, as ONNX Runtime does.
        var squares = Vector()
        i = 0
        while i + lanes <= size {
            let d = (x + i).vector() - mean
            squares.addProduct(d, d)
            i += lanes
        }
        var variance = squares.sum()
        while i < size { variance += (x[i] - mean) * (x[i] - mean); i += 1 }
        let inverse = 1 / (variance / Float(size) + epsilon).squareRoot()
        i = 0
        // Vectors, not scalars: Swift 6.0 finds no overload for vector − scalar in this expression.
        let meanVector = Vector(repeating: mean), inverseVector = Vector(repeating: inverse)
        while i + lanes <= size {
            var v = ((x + i).vector() - meanVector) * inverseVector * (scale + i).vector()
            if let bias { v += (bias + i).vector() }
            (out + i).store(v)
            i += lanes
        }
        while i < size {
            out[i] = (x[i] - mean) * inverse * scale[i] + (bias?[i] ?? 0)
            i += 1
        }
        return (mean, inverse)
    }
}
