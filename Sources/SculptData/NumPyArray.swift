/// An n-dimensional array as NumPy stores it: a shape and its elements in row-major (C) order.
public struct NumPyArray: Sendable, Equatable {
    /// The elements, typed by their NumPy dtype.
    public enum Elements: Sendable, Equatable {
        case float32([Float])
        case float64([Double])
        /// Half-precision values, widened exactly to `Float`; encoding rounds them back to half precision.
        case float16([Float])
        case int64([Int64])
        case int32([Int32])
        case int16([Int16])
        case int8([Int8])
        case uint64([UInt64])
        case uint32([UInt32])
        case uint16([UInt16])
        case uint8([UInt8])
        case bool([Bool])
    }

    /// The length of each dimension; empty for a 0-d (scalar) array.
    public let shape: [Int]
    public let elements: Elements

    /// Creates an array; the product of `shape` must equal the number of elements.
    public init(shape: [Int], elements: Elements) {
        precondition(shape.allSatisfy { $0 >= 0 }, "NumPyArray: negative dimension in shape \(shape)")
        precondition(elementCount(of: shape) == elements.count,
                     "NumPyArray: shape \(shape) does not hold \(elements.count) elements")
        self.shape = shape
        self.elements = elements
    }

    /// The number of elements: the product of the shape, 1 for a 0-d array.
    public var count: Int { elements.count }

    /// NumPy's name for the element type, such as `float32`.
    public var dtypeDescription: String { elements.scalarType.name }
}

extension NumPyArray.Elements {
    public var count: Int {
        switch self {
        case .float32(let values): values.count
        case .float64(let values): values.count
        case .float16(let values): values.count
        case .int64(let values): values.count
        case .int32(let values): values.count
        case .int16(let values): values.count
        case .int8(let values): values.count
        case .uint64(let values): values.count
        case .uint32(let values): values.count
        case .uint16(let values): values.count
        case .uint8(let values): values.count
        case .bool(let values): values.count
        }
    }

    var scalarType: ScalarType {
        switch self {
        case .float32: .float32
        case .float64: .float64
        case .float16: .float16
        case .int64: .int64
        case .int32: .int32
        case .int16: .int16
        case .int8: .int8
        case .uint64: .uint64
        case .uint32: .uint32
        case .uint16: .uint16
        case .uint8: .uint8
        case .bool: .bool
        }
    }
}

/// The product of `shape`, or nil if it does not fit in an `Int`.
func elementCount(of shape: [Int]) -> Int? {
    // A zero anywhere makes the array empty however large the other dimensions are.
    if shape.contains(0) { return 0 }
    var product = 1
    for length in shape {
        let (next, overflow) = product.multipliedReportingOverflow(by: length)
        if overflow { return nil }
        product = next
    }
    return product
}

/// A shape as Python prints a tuple: `(3, 4)`, `(3,)`, `()`.
func pythonTuple(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}
