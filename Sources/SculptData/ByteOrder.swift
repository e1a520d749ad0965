/// Byte order of this machine, and swapping elements between orders.
enum ByteOrder {
    /// True on the rare big-endian hosts (s390x); `.npy` files we write are little-endian everywhere.
    static let hostIsBigEndian = 1.bigEndian == 1

    /// Reverses the bytes of every element in place.
    static func reverseBytes(_ buffer: UnsafeMutableRawBufferPointer, elementSize: Int) {
        func swapped<W: FixedWidthInteger>(_: W.Type) {
            for offset in stride(from: 0, to: buffer.count, by: elementSize) {
                let word = buffer.loadUnaligned(fromByteOffset: offset, as: W.self)
                buffer.storeBytes(of: word.byteSwapped, toByteOffset: offset, as: W.self)
            }
        }
        switch elementSize {
        case 2: swapped(UInt16.self)
        case 4: swapped(UInt32.self)
        case 8: swapped(UInt64.self)
        default: break
        }
    }
}
