import OrderedCollections

/// One dimension of a declared tensor shape.
public enum Dimension: Sendable, Equatable, CustomStringConvertible {
    case fixed(Int)
    case symbolic(String)
    case unknown

    public var description: String {
        switch self {
        case .fixed(let n): "\(n)"
        case .symbolic(let name): name
        case .unknown: "?"
        }
    }
}

/// A declared graph input, output or intermediate value.
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    /// The element type; nil when the value is not a tensor (sequences, maps).
    public var elementType: DataType?
    /// The declared shape; nil when the rank is unknown.
    public var shape: [Dimension]?
    public var docString: String
    /// A non-tensor `TypeProto`, kept serialized so that export is lossless.
    var opaqueType: Onnx_TypeProto?

    public init(name: String, elementType: DataType?, shape: [Dimension]?, docString: String = "") {
        self.name = name
        self.elementType = elementType
        self.shape = shape
        self.docString = docString
    }
}

/// A computation graph: nodes in file order, named initializers, declared inputs and outputs.
public struct Graph: Sendable, Equatable {
    public var name: String
    public var nodes: [Node]
    /// Constant tensors by name, in file order.
    public var initializers: OrderedDictionary<String, Tensor>
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var valueInfo: [ValueInfo]
    public var docString: String

    public init(name: String = "", nodes: [Node], initializers: OrderedDictionary<String, Tensor> = [:],
                inputs: [ValueInfo], outputs: [ValueInfo], valueInfo: [ValueInfo] = [], docString: String = "") {
        self.name = name
        self.nodes = nodes
        self.initializers = initializers
        self.inputs = inputs
        self.outputs = outputs
        self.valueInfo = valueInfo
        self.docString = docString
    }

    /// The inputs a caller must feed: declared inputs that no initializer provides.
    public var runtimeInputs: [ValueInfo] {
        inputs.filter { initializers[$0.name] == nil }
    }

    /// The name a layer is known by: its node name, or `OpType_index` for unnamed nodes.
    public func layerName(_ index: Int) -> String {
        nodes[index].name.isEmpty ? "\(nodes[index].opType)_\(index)" : nodes[index].name
    }
}
