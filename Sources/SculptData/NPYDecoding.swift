/// Turns the bytes of a `.npy` file into a `NumPyArray`.
enum NPYDecoding {
    static func array(from bytes: UnsafeRawBufferPointer) throws(FormatError) -> NumPyArray {
        let (header, dataOffset) = try NPYHeader.read(from: bytes)
        let scalar = header.dtype.scalar
        guard let count = elementCount(of: header.shape),
              case (let byteCount, false) = count.multipliedReportingOverflow(by: scalar.size) else {
            throw FormatError("the shape \(pythonTuple(header.shape)) has more elements than memory can hold")
        }
        let available = bytes.count - dataOffset
        guard available == byteCount else {
            let truncated = available < byteCount ? "truncated: " : ""
            throw FormatError("\(truncated)the shape \(pythonTuple(header.shape)) of \(scalar.name) needs "
                + "\(byteCount) bytes of data but there are \(available)")
        }
        let data = UnsafeRawBufferPointer(rebasing: bytes[dataOffset...])
        let elements: NumPyArray.Elements
        if header.isFortranOrder && header.shape.count > 1 && count > 0 {
            let rowMajor = FortranOrder.rowMajorBytes(data, shape: header.shape, elementSize: scalar.size)
            elements = rowMajor.withUnsafeBytes { decode($0, count: count, as: header.dtype) }
        } else {
            elements = decode(data, count: count, as: header.dtype)
        }
        return NumPyArray(shape: header.shape, elements: elements)
    }

    /// Copies `count` elements out of `raw`, swapping bytes where the file's order differs from the host's.
    private static func decode(_ raw: UnsafeRawBufferPointer, count: Int, as dtype: DType) -> NumPyArray.Elements {
        let swap = dtype.isBigEndian != ByteOrder.hostIsBigEndian
        switch dtype.scalar {
        case .float32: return .float32(copy(raw, count: count, swap: swap))
        case .float64: return .float64(copy(raw, count: count, swap: swap))
        case .float16: return .float16(copy(raw, count: count, swap: swap, as: UInt16.self).map(HalfPrecision.float))
        case .int64: return .int64(copy(raw, count: count, swap: swap))
        case .int32: return .int32(copy(raw, count: count, swap: swap))
        case .int16: return .int16(copy(raw, count: count, swap: swap))
        case .int8: return .int8(copy(raw, count: count, swap: false))
        case .uint64: return .uint64(copy(raw, count: count, swap: swap))
        case .uint32: return .uint32(copy(raw, count: count, swap: swap))
        case .uint16: return .uint16(copy(raw, count: count, swap: swap))
        case .uint8: return .uint8(copy(raw, count: count, swap: false))
        // Any non-zero byte is true to NumPy; copying bytes other than 0 and 1 into a Bool is undefined.
        case .bool: return .bool(raw.prefix(count).map { $0 != 0 })
        }
    }

    /// A bulk copy into a fresh array: reading a large file costs a `memcpy`, not a loop over elements.
    private static func copy<T: BitwiseCopyable>(
        _ raw: UnsafeRawBufferPointer, count: Int, swap: Bool, as _: T.Type = T.self
    ) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let destination = UnsafeMutableRawBufferPointer(buffer)
            if count > 0 {
                destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw.prefix(destination.count)))
                if swap { ByteOrder.reverseBytes(destination, elementSize: MemoryLayout<T>.stride) }
            }
            initialized = count
        }
    }
}
