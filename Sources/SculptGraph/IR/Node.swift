/// An operator application: inputs and outputs are tensor names ("" marks an omitted optional input).
public struct Node: Sendable, Equatable {
    public var name: String
    public var opType: String
    public var domain: String
    public var inputs: [String]
    public var outputs: [String]
    public var attributes: [Attribute]
    public var docString: String

    public init(name: String, opType: String, domain: String = "", inputs: [String], outputs: [String],
                attributes: [Attribute] = [], docString: String = "") {
        self.name = name
        self.opType = opType
        self.domain = domain
        self.inputs = inputs
        self.outputs = outputs
        self.attributes = attributes
        self.docString = docString
    }

    public func attribute(_ name: String) -> Attribute.Value? {
        attributes.first { $0.name == name }?.value
    }

    public func int(_ name: String) -> Int? {
        if case .int(let v) = attribute(name) { return v }
        return nil
    }

    public func float(_ name: String) -> Float? {
        switch attribute(name) {
        case .float(let v): v
        case .int(let v): Float(v)
        default: nil
        }
    }

    public func ints(_ name: String) -> [Int]? {
        if case .ints(let v) = attribute(name) { return v }
        return nil
    }

    public func floats(_ name: String) -> [Float]? {
        if case .floats(let v) = attribute(name) { return v }
        return nil
    }

    public func string(_ name: String) -> String? {
        if case .string(let v) = attribute(name) { return v }
        return nil
    }

    public func tensor(_ name: String) -> Tensor? {
        if case .tensor(let v) = attribute(name) { return v }
        return nil
    }

    /// The input at `index`, or nil when it is absent or omitted.
    public func input(_ index: Int) -> String? {
        index < inputs.count && !inputs[index].isEmpty ? inputs[index] : nil
    }
}
