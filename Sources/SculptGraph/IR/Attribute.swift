import Foundation

/// A node attribute, by name.
public struct Attribute: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case float(Float)
        case int(Int)
        case string(String)
        case tensor(Tensor)
        case floats([Float])
        case ints([Int])
        case strings([String])
        /// Kinds the IR does not model (subgraphs, sparse tensors, type protos), kept as the
        /// serialized `AttributeProto` so that export is lossless.
        case opaque(Data)
    }

    public var name: String
    public var value: Value

    public init(_ name: String, _ value: Value) {
        self.name = name
        self.value = value
    }
}
