import Foundation

/// A constant tensor: an initializer, an attribute value, or a folded constant.
///
/// `float32` and `int64` tensors, the two types the runtime computes with, keep typed
/// arrays; every other type keeps ONNX's little-endian raw bytes, so import and export
/// are lossless whatever the type.
public struct Tensor: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case float([Float])
        case int64([Int64])
        case raw(Data)
        case strings([Data])
    }

    public var dataType: DataType
    public var shape: [Int]
    public var storage: Storage

    public init(shape: [Int], floats: [Float]) {
        precondition(shape.reduce(1, *) == floats.count, "shape \(shape) does not hold \(floats.count) values")
        self.dataType = .float
        self.shape = shape
        self.storage = .float(floats)
    }

    /// An integer tensor of `dataType` (any integer type or bool), stored in its native width.
    public init(shape: [Int], integers: [Int64], dataType: DataType = .int64) {
        precondition(shape.reduce(1, *) == integers.count, "shape \(shape) does not hold \(integers.count) values")
        precondition(dataType.isInteger, "\(dataType) is not an integer type")
        self.dataType = dataType
        self.shape = shape
        self.storage = dataType == .int64 ? .int64(integers) : .raw(Tensor.packIntegers(integers, as: dataType))
    }

    init(dataType: DataType, shape: [Int], storage: Storage) {
        self.dataType = dataType
        self.shape = shape
        self.storage = storage
    }

    public static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], floats: [value]) }

    public var count: Int { shape.reduce(1, *) }

    /// The values as `Float`, converting from any numeric type; nil for strings and complex numbers.
    public var floats: [Float]? {
        switch storage {
        case .float(let values): return values
        case .int64(let values): return values.map(Float.init)
        case .strings: return nil
        case .raw(let bytes):
            switch dataType {
            case .double: return Tensor.unpack(bytes, as: Double.self).map(Float.init)
            case .float16: return Tensor.unpack(bytes, as: UInt16.self).map { Float(Float16(bitPattern: $0)) }
            case .bfloat16: return Tensor.unpack(bytes, as: UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
            default: return integers.map { $0.map(Float.init) }
            }
        }
    }

    /// The values as `Int64` for integer and bool tensors (and float tensors holding whole numbers).
    public var integers: [Int64]? {
        switch storage {
        case .int64(let values): return values
        case .float(let values):
            guard values.allSatisfy({ $0 == $0.rounded() && abs($0) < 9.2e18 }) else { return nil }
            return values.map { Int64($0) }
        case .strings: return nil
        case .raw(let bytes):
            switch dataType {
            case .uint8, .bool: return Tensor.unpack(bytes, as: UInt8.self).map(Int64.init)
            case .int8: return Tensor.unpack(bytes, as: Int8.self).map(Int64.init)
            case .uint16: return Tensor.unpack(bytes, as: UInt16.self).map(Int64.init)
            case .int16: return Tensor.unpack(bytes, as: Int16.self).map(Int64.init)
            case .int32: return Tensor.unpack(bytes, as: Int32.self).map(Int64.init)
            case .uint32: return Tensor.unpack(bytes, as: UInt32.self).map(Int64.init)
            case .uint64: return Tensor.unpack(bytes, as: UInt64.self).map { Int64(truncatingIfNeeded: $0) }
            default: return nil
            }
        }
    }

    /// The bytes ONNX's `raw_data` holds for this tensor (nil for strings).
    public var rawBytes: Data? {
        switch storage {
        case .float(let values): return values.withUnsafeBytes { Data($0) }
        case .int64(let values): return values.withUnsafeBytes { Data($0) }
        case .raw(let bytes): return bytes
        case .strings: return nil
        }
    }

    static func packIntegers(_ values: [Int64], as type: DataType) -> Data {
        switch type {
        case .uint8, .bool: pack(values.map { UInt8(truncatingIfNeeded: $0) })
        case .int8: pack(values.map { Int8(truncatingIfNeeded: $0) })
        case .uint16: pack(values.map { UInt16(truncatingIfNeeded: $0) })
        case .int16: pack(values.map { Int16(truncatingIfNeeded: $0) })
        case .int32: pack(values.map { Int32(truncatingIfNeeded: $0) })
        case .uint32: pack(values.map { UInt32(truncatingIfNeeded: $0) })
        case .uint64: pack(values.map { UInt64(bitPattern: $0) })
        default: pack(values)
        }
    }

    static func pack<T>(_ values: [T]) -> Data { values.withUnsafeBytes { Data($0) } }

    /// Reads little-endian values of `T` from raw bytes (the platforms we run on are little-endian).
    static func unpack<T>(_ bytes: Data, as: T.Type) -> [T] {
        let count = bytes.count / MemoryLayout<T>.stride
        guard count > 0 else { return [] }
        return [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                _ = memcpy(buffer.baseAddress!, raw.baseAddress!, count * MemoryLayout<T>.stride)
            }
            initialized = count
        }
    }
}
