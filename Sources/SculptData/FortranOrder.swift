/// Conversion of column-major (Fortran-order) arrays to the row-major order this module uses.
enum FortranOrder {
    /// Reorders column-major (Fortran) data into row-major (C) order.
    static func rowMajorBytes(_ raw: UnsafeRawBufferPointer, shape: [Int], elementSize: Int) -> [UInt8] {
        func reorder<W: FixedWidthInteger>(_: W.Type) -> [UInt8] {
            // In column-major order the first index varies fastest.
            var strides = [Int](repeating: 1, count: shape.count)
            for axis in shape.indices.dropFirst() { strides[axis] = strides[axis - 1] * shape[axis - 1] }
            return [UInt8](unsafeUninitializedCapacity: raw.count) { output, initialized in
                let destination = UnsafeMutableRawBufferPointer(output)
                var index = [Int](repeating: 0, count: shape.count)
                var source = 0
                for target in stride(from: 0, to: raw.count, by: elementSize) {
                    destination.storeBytes(of: raw.loadUnaligned(fromByteOffset: source * elementSize, as: W.self),
                                           toByteOffset: target, as: W.self)
                    // Advance the row-major index like an odometer, last axis fastest.
                    var axis = shape.count - 1
                    while axis >= 0 {
                        index[axis] += 1
                        source += strides[axis]
                        if index[axis] < shape[axis] { break }
                        source -= strides[axis] * shape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
                initialized = raw.count
            }
        }
        switch elementSize {
        case 1: return reorder(UInt8.self)
        case 2: return reorder(UInt16.self)
        case 4: return reorder(UInt32.self)
        default: return reorder(UInt64.self)
        }
    }
}
