/// Bounds-checked little-endian reads from raw bytes: a read that would leave the buffer returns nil.
struct ByteView {
    let bytes: UnsafeRawBufferPointer

    var count: Int { bytes.count }

    func uint8(at offset: Int) -> UInt8? { load(UInt8.self, at: offset) }
    func uint16(at offset: Int) -> UInt16? { load(UInt16.self, at: offset) }
    func uint32(at offset: Int) -> UInt32? { load(UInt32.self, at: offset) }
    func uint64(at offset: Int) -> UInt64? { load(UInt64.self, at: offset) }

    /// The `length` bytes from `offset`, or nil if they are not all inside the buffer.
    func slice(from offset: Int, length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= bytes.count, length <= bytes.count - offset else { return nil }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + length])
    }

    private func load<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T? {
        guard let field = slice(from: offset, length: MemoryLayout<T>.size) else { return nil }
        return T(littleEndian: field.loadUnaligned(as: T.self))
    }
}
