import Foundation

/// Turns a `NumPyArray` into the bytes of a `.npy` file: format 1.0, little-endian, C order.
enum NPYEncoding {
    static func data(for array: NumPyArray) -> Data {
        let scalar = array.elements.scalarType
        var data = NPYHeader(dtype: DType(scalar), shape: array.shape).encoded()
        data.reserveCapacity(data.count + array.count * scalar.size)
        switch array.elements {
        case .float32(let values): append(values, to: &data)
        case .float64(let values): append(values, to: &data)
        case .float16(let values): append(values.map(HalfPrecision.bits(from:)), to: &data)
        case .int64(let values): append(values, to: &data)
        case .int32(let values): append(values, to: &data)
        case .int16(let values): append(values, to: &data)
        case .int8(let values): append(values, to: &data)
        case .uint64(let values): append(values, to: &data)
        case .uint32(let values): append(values, to: &data)
        case .uint16(let values): append(values, to: &data)
        case .uint8(let values): append(values, to: &data)
        case .bool(let values): append(values.map { $0 ? UInt8(1) : 0 }, to: &data)
        }
        return data
    }

    private static func append<T: BitwiseCopyable>(_ values: [T], to data: inout Data) {
        guard !ByteOrder.hostIsBigEndian else {
            var swapped = values.withUnsafeBytes { [UInt8]($0) }
            swapped.withUnsafeMutableBytes { ByteOrder.reverseBytes($0, elementSize: MemoryLayout<T>.stride) }
            return data.append(contentsOf: swapped)
        }
        values.withUnsafeBufferPointer { data.append($0) }
    }
}
