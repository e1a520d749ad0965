/// The element types this module reads and writes.
enum ScalarType: CaseIterable, Sendable {
    case bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, float32, float64

    /// Bytes per element.
    var size: Int {
        switch self {
        case .bool, .int8, .uint8: 1
        case .int16, .uint16, .float16: 2
        case .int32, .uint32, .float32: 4
        case .int64, .uint64, .float64: 8
        }
    }

    /// NumPy's name for the type, as `dtype.name` prints it.
    var name: String {
        switch self {
        case .bool: "bool"
        case .int8: "int8"
        case .int16: "int16"
        case .int32: "int32"
        case .int64: "int64"
        case .uint8: "uint8"
        case .uint16: "uint16"
        case .uint32: "uint32"
        case .uint64: "uint64"
        case .float16: "float16"
        case .float32: "float32"
        case .float64: "float64"
        }
    }

    /// The kind character of a NumPy type string: `b`, `i`, `u` or `f`.
    var kind: Character {
        switch self {
        case .bool: "b"
        case .int8, .int16, .int32, .int64: "i"
        case .uint8, .uint16, .uint32, .uint64: "u"
        case .float16, .float32, .float64: "f"
        }
    }
}

/// An element type with the byte order it is stored in, as a `.npy` header's `descr` spells it.
struct DType: Equatable {
    var scalar: ScalarType
    var isBigEndian: Bool

    /// Parses a type string such as `<f4`, `>i8` or `|b1`.
    init(descr: String) throws(FormatError) {
        let order = descr.first
        let type = descr.dropFirst()
        let supported = ScalarType.allCases.first { type == "\($0.kind)\($0.size)" }
        guard let order, "<>|=".contains(order), let supported else {
            throw FormatError("unsupported dtype '\(descr)'\(Self.hint(for: descr)); "
                + "supported are bool, int8-64, uint8-64 and float16-64")
        }
        scalar = supported
        // '=' is the writer's native order, which NumPy never records; little-endian is the safe guess.
        isBigEndian = order == ">"
    }

    init(_ scalar: ScalarType) {
        self.scalar = scalar
        isBigEndian = false
    }

    /// The type string, as NumPy writes it in a header.
    var descr: String {
        (scalar.size == 1 ? "|" : isBigEndian ? ">" : "<") + "\(scalar.kind)\(scalar.size)"
    }

    private static func hint(for descr: String) -> String {
        switch descr.dropFirst().first {
        case "O": " (Python objects)"
        case "U", "S", "a": " (strings)"
        case "c": " (complex numbers)"
        case "M", "m": " (dates and times)"
        case "V": " (raw bytes)"
        default: ""
        }
    }
}
