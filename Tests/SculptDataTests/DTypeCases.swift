import SculptData
import Testing

/// A dtype with six test values that include its extremes, as Swift expects them and as Python writes them.
struct DTypeCase: Sendable, CustomTestStringConvertible {
    /// NumPy's name, such as `int16`.
    var name: String
    /// Kind and size, such as `i2`: prefixed with `<` or `>` this is the type string.
    var code: String
    /// The values as a Python list literal.
    var pythonValues: String
    var elements: NumPyArray.Elements

    var testDescription: String { name }

    /// The values in a 2×3 array.
    var array: NumPyArray { NumPyArray(shape: [2, 3], elements: elements) }

    /// Python that saves the 2×3 array with byte order `order` (`<` or `>`) to `file`.
    func pythonSave(_ file: String, order: Character) -> String {
        "np.save('\(file)', np.array(\(pythonValues), dtype='\(order)\(code)').reshape(2, 3))\n"
    }

    /// Python that asserts the array in `file` equals this case's values, dtype and shape.
    func pythonCheck(_ file: String) -> String {
        """
        a = np.load('\(file)')
        expected = np.array(\(pythonValues), dtype='<\(code)').reshape(2, 3)
        assert a.dtype == expected.dtype and a.shape == (2, 3), ('\(file)', a.dtype, a.shape)
        assert (a.view(f'u{a.itemsize}') == expected.view(f'u{a.itemsize}')).all(), ('\(file)', a, expected)

        """
    }
}

extension DTypeCase {
    init<T: FixedWidthInteger>(_ name: String, _ code: String, _ values: [T], _ wrap: ([T]) -> NumPyArray.Elements) {
        self.init(name: name, code: code, pythonValues: "[\(values.map { "\($0)" }.joined(separator: ", "))]",
                  elements: wrap(values))
    }

    init<T: BinaryFloatingPoint>(_ name: String, _ code: String, _ values: [T], _ wrap: ([T]) -> NumPyArray.Elements) {
        self.init(name: name, code: code,
                  pythonValues: "[\(values.map { "float('\($0)')" }.joined(separator: ", "))]", elements: wrap(values))
    }
}

let dtypeCases: [DTypeCase] = [
    DTypeCase(name: "bool", code: "b1", pythonValues: "[True, False, True, True, False, False]",
              elements: .bool([true, false, true, true, false, false])),
    DTypeCase("int8", "i1", [Int8.min, -1, 0, 1, 42, .max], NumPyArray.Elements.int8),
    DTypeCase("int16", "i2", [Int16.min, -1, 0, 1, 1234, .max], NumPyArray.Elements.int16),
    DTypeCase("int32", "i4", [Int32.min, -1, 0, 1, 123_456, .max], NumPyArray.Elements.int32),
    DTypeCase("int64", "i8", [Int64.min, -1, 0, 1, 1 << 40, .max], NumPyArray.Elements.int64),
    DTypeCase("uint8", "u1", [UInt8(0), 1, 2, 127, 128, .max], NumPyArray.Elements.uint8),
    DTypeCase("uint16", "u2", [UInt16(0), 1, 255, 256, 32768, .max], NumPyArray.Elements.uint16),
    DTypeCase("uint32", "u4", [UInt32(0), 1, 65536, 1 << 31, .max - 1, .max], NumPyArray.Elements.uint32),
    DTypeCase("uint64", "u8", [UInt64(0), 1, 1 << 32, 1 << 63, .max - 1, .max], NumPyArray.Elements.uint64),
    // Every float16 value below is exact in half precision: the largest, the smallest normal and subnormal.
    DTypeCase("float16", "f2", [Float(0), -0.5, 1.5, 65504, 0x1p-14, 0x1p-24], NumPyArray.Elements.float16),
    DTypeCase("float32", "f4", [Float(0), -1.5, 3.25, 0.1, .greatestFiniteMagnitude, -.infinity],
              NumPyArray.Elements.float32),
    DTypeCase("float64", "f8", [0, -1.5, 0.1, 1e-300, .greatestFiniteMagnitude, .infinity],
              NumPyArray.Elements.float64),
]
