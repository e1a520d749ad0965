import SculptKernels
/// A dense row-major matrix of floats: the value every autodiff operation works on.
public struct Matrix: Sendable, Equatable, Codable {
    public var rows: Int
    public var columns: Int
    public var values: [Float]

    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "a \(rows)×\(columns) matrix needs \(rows * columns) values, not \(values.count)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(zeros rows: Int, _ columns: Int) {
        self.init(rows: rows, columns: columns, values: [Float](repeating: 0, count: rows * columns))
    }

    public var count: Int { rows * columns }

    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// Glorot-uniform values from `random`, for weights of `rows` inputs and `columns` outputs.
    public static func glorot(_ rows: Int, _ columns: Int, using random: inout SeededRandom) -> Matrix {
        let limit = (6 / Float(rows + columns)).squareRoot()
        return Matrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in random.uniform(-limit, limit) })
    }
}
