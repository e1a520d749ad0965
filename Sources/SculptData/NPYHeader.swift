import Foundation

/// The header of a `.npy` file: element type, memory order and shape.
struct NPYHeader: Equatable {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
    /// NumPy pads headers so that the data starts at a multiple of this, for memory mapping.
    static let alignment = 64

    var dtype: DType
    var isFortranOrder: Bool
    var shape: [Int]

    init(dtype: DType, isFortranOrder: Bool = false, shape: [Int]) {
        self.dtype = dtype
        self.isFortranOrder = isFortranOrder
        self.shape = shape
    }

    /// Reads the preamble and header of a `.npy` file; returns the header and where the data starts.
    static func read(from bytes: UnsafeRawBufferPointer) throws(FormatError) -> (header: NPYHeader, dataOffset: Int) {
        let view = ByteView(bytes: bytes)
        let prefixLength = min(bytes.count, magic.count)
        guard bytes.prefix(prefixLength).elementsEqual(magic.prefix(prefixLength)) else {
            throw FormatError("not a .npy file (it does not start with \\x93NUMPY)")
        }
        guard let major = view.uint8(at: 6), let minor = view.uint8(at: 7) else {
            throw FormatError("truncated: the data ends inside the .npy preamble")
        }
        guard (1...3).contains(major), minor == 0 else {
            throw FormatError("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        // Version 1.0 stores the header length in 2 bytes; 2.0 and 3.0 (UTF-8 header) in 4.
        let length = major == 1 ? view.uint16(at: 8).map(Int.init) : view.uint32(at: 8).map(Int.init)
        let headerOffset = major == 1 ? 10 : 12
        guard let length, let text = view.slice(from: headerOffset, length: length) else {
            throw FormatError("truncated: the data ends inside the .npy header")
        }
        return (try NPYHeader(dictionary: PythonLiteral(parsing: text)), headerOffset + length)
    }

    /// Interprets `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
    private init(dictionary: PythonLiteral) throws(FormatError) {
        guard case .dictionary(let entries) = dictionary else {
            throw FormatError("malformed header: it is not a dictionary")
        }
        func entry(_ key: String) throws(FormatError) -> PythonLiteral {
            for entry in entries {
                if case .string(key) = entry.key { return entry.value }
            }
            throw FormatError("malformed header: no '\(key)' key")
        }
        switch try entry("descr") {
        case .string(let descr): dtype = try DType(descr: descr)
        case .list: throw FormatError("unsupported structured dtype (an array of records with named fields)")
        default: throw FormatError("malformed header: 'descr' is not a string")
        }
        guard case .boolean(let fortranOrder) = try entry("fortran_order") else {
            throw FormatError("malformed header: 'fortran_order' is not True or False")
        }
        isFortranOrder = fortranOrder
        switch try entry("shape") {
        case .tuple(let items), .list(let items):
            shape = try items.map { item throws(FormatError) in
                guard case .integer(let length) = item, length >= 0 else {
                    throw FormatError("malformed header: 'shape' holds something other than non-negative integers")
                }
                return length
            }
        default:
            throw FormatError("malformed header: 'shape' is not a tuple")
        }
    }

    /// The preamble and header, padded so that the data that follows is aligned.
    func encoded() -> Data {
        let fortran = isFortranOrder ? "True" : "False"
        let dictionary = "{'descr': '\(dtype.descr)', 'fortran_order': \(fortran), 'shape': \(pythonTuple(shape)), }"
        var text = Array(dictionary.utf8)
        // Version 1.0 holds a header of up to 65535 bytes; only absurd ranks need 2.0.
        let isVersion1 = text.count + Self.alignment <= Int(UInt16.max)
        let preambleLength = isVersion1 ? 10 : 12
        let unpadded = preambleLength + text.count + 1
        let padding = (Self.alignment - unpadded % Self.alignment) % Self.alignment
        text += Array(repeating: UInt8(ascii: " "), count: padding)
        text.append(UInt8(ascii: "\n"))

        var data = Data(Self.magic)
        data.append(contentsOf: [isVersion1 ? 1 : 2, 0])
        if isVersion1 {
            withUnsafeBytes(of: UInt16(text.count).littleEndian) { data.append(contentsOf: $0) }
        } else {
            withUnsafeBytes(of: UInt32(text.count).littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: text)
        return data
    }
}
