/// Reduces each contiguous row of `size` values to one: global pooling, ReduceMean, ReduceMax
/// and ReduceL2 over trailing axes, and Einsum's sums over letters that leave the equation.
public enum RowReduction {
    public enum Kind: Sendable, CaseIterable {
        case sum, mean, max
        /// The Euclidean norm, √Σx².
        case l2
    }

    public static func run(_ kind: Kind, rows: Int, size: Int, input: UnsafePointer<Float>,
                           output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        pool.parallelRanges(rows, work: rows * size, minimumWork: 1 << 16) { range in
            for row in range {
                let source = input + row * size
                var i = 0
                var acc = kind == .max ? Vector(repeating: -.infinity) : Vector()
                while i + Vector.scalarCount <= size {
                    let v = (source + i).vector()
                    switch kind {
                    case .max: acc = maximum(acc, v)
                    case .l2: acc += v * v
                    case .sum, .mean: acc += v
                    }
                    i += Vector.scalarCount
                }
                var result = kind == .max ? acc.max() : acc.sum()
                while i < size {
                    let v = source[i]
                    switch kind {
                    case .max: result = max(result, v)
                    case .l2: result += v * v
                    case .sum, .mean: result += v
                    }
                    i += 1
                }
                switch kind {
                case .mean: output[row] = result / Float(size)
                case .l2: output[row] = result.squareRoot()
                case .sum, .max: output[row] = result
                }
            }
        }
    }
}
