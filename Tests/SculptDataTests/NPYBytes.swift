import Foundation

/// The bytes of a `.npy` file with the given header text, unpadded, and payload.
func npyBytes(header: String, payload: [UInt8] = [], version: UInt8 = 1) -> [UInt8] {
    let text = Array(header.utf8)
    let length = version == 1
        ? withUnsafeBytes(of: UInt16(text.count).littleEndian, Array.init)
        : withUnsafeBytes(of: UInt32(text.count).littleEndian, Array.init)
    return [0x93] + Array("NUMPY".utf8) + [version, 0] + length + text + payload
}

/// A header dictionary as NumPy writes it.
func npyHeader(descr: String = "<i2", fortranOrder: Bool = false, shape: String) -> String {
    "{'descr': '\(descr)', 'fortran_order': \(fortranOrder ? "True" : "False"), 'shape': \(shape), }\n"
}

extension Array where Element == UInt8 {
    /// The offset of the first occurrence of `needle`.
    func offset(of needle: [UInt8]) -> Int? {
        guard needle.count <= count else { return nil }
        return (0...(count - needle.count)).first { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
