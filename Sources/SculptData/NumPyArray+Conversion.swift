extension NumPyArray {
    /// The elements converted to `Float`, whatever the dtype; `true` becomes 1.
    ///
    /// Large 64-bit integers and doubles round to the nearest `Float`.
    public func floats() -> [Float] {
        switch elements {
        case .float32(let values), .float16(let values): values
        case .float64(let values): values.map(Float.init)
        case .int64(let values): values.map(Float.init)
        case .int32(let values): values.map(Float.init)
        case .int16(let values): values.map(Float.init)
        case .int8(let values): values.map(Float.init)
        case .uint64(let values): values.map(Float.init)
        case .uint32(let values): values.map(Float.init)
        case .uint16(let values): values.map(Float.init)
        case .uint8(let values): values.map(Float.init)
        case .bool(let values): values.map { $0 ? 1 : 0 }
        }
    }

    /// The elements as `Int64`, or nil if one of them is not an integer that fits.
    ///
    /// Floating-point elements convert when every one is integral (labels saved as floats are common);
    /// `uint64` converts when every element is at most `Int64.max`; `true` becomes 1.
    public func integers() -> [Int64]? {
        switch elements {
        case .int64(let values): values
        case .int32(let values): values.map(Int64.init)
        case .int16(let values): values.map(Int64.init)
        case .int8(let values): values.map(Int64.init)
        case .uint32(let values): values.map(Int64.init)
        case .uint16(let values): values.map(Int64.init)
        case .uint8(let values): values.map(Int64.init)
        case .bool(let values): values.map { $0 ? 1 : 0 }
        case .uint64(let values): allOrNone(values) { Int64(exactly: $0) }
        case .float64(let values): allOrNone(values) { Int64(exactly: $0) }
        case .float32(let values), .float16(let values): allOrNone(values) { Int64(exactly: $0) }
        }
    }
}

/// Converts every value with `convert`, or returns nil at the first one it cannot convert.
private func allOrNone<T>(_ values: [T], _ convert: (T) -> Int64?) -> [Int64]? {
    var result: [Int64] = []
    result.reserveCapacity(values.count)
    for value in values {
        guard let converted = convert(value) else { return nil }
        result.append(converted)
    }
    return result
}
