/// What is known about a tensor before running the graph: its shape, its type, and its value
/// when it is a constant.
public struct TensorInfo: Sendable, Equatable {
    public var shape: [Int]
    public var dataType: DataType
    public var constant: Tensor?

    public init(shape: [Int], dataType: DataType, constant: Tensor? = nil) {
        self.shape = shape
        self.dataType = dataType
        self.constant = constant
    }

    public init(constant: Tensor) {
        self.init(shape: constant.shape, dataType: constant.dataType, constant: constant)
    }

    public var count: Int { shape.reduce(1, *) }
}

/// The number of elements of `shape`, or nil when a dimension is negative or the product exceeds
/// `limit` (shapes come from files: arithmetic on them must not overflow).
public func elementCount(_ shape: [Int], limit: Int = 1 << 40) -> Int? {
    var count = 1
    for n in shape {
        guard n >= 0 else { return nil }
        let (product, overflow) = count.multipliedReportingOverflow(by: n)
        guard !overflow, product <= limit else { return nil }
        count = product
    }
    return count
}

/// A node with what is known of its inputs, and helpers that phrase errors by node name.
struct NodeContext {
    let node: Node
    let inputs: [TensorInfo?]
    let opset: Int

    var label: String { node.name.isEmpty ? node.opType : node.name }

    func error(_ message: String) -> GraphError {
        GraphError("node '\(label)' (\(node.opType)): \(message)")
    }

    /// The input at `index`, which must be present.
    func input(_ index: Int) throws -> TensorInfo {
        guard index < inputs.count, let info = inputs[index] else { throw error("input \(index) is missing") }
        return info
    }

    func optionalInput(_ index: Int) -> TensorInfo? {
        index < inputs.count ? inputs[index] : nil
    }

    func shape(_ index: Int) throws -> [Int] { try input(index).shape }

    /// The integer values of a constant input (shapes, axes, indices).
    func integers(_ index: Int, what: String) throws -> [Int] {
        let info = try input(index)
        guard let constant = info.constant else {
            throw error("\(what) (input \(index)) must be known before running; it is computed at run time")
        }
        guard let values = constant.integers else { throw error("\(what) must be integers") }
        return values.map { Int(clamping: $0) }
    }

    /// Axes from the `axes` attribute (older opsets) or from input `index` (newer ones).
    func axes(inputIndex index: Int, rank: Int) throws -> [Int]? {
        let raw: [Int]?
        if let attribute = node.ints("axes") {
            raw = attribute
        } else if node.input(index) != nil {
            raw = try integers(index, what: "axes")
        } else {
            raw = nil
        }
        return try raw.map { try $0.map { try normalizedAxis($0, rank: rank, node: label) } }
    }

    /// The axes a reduction reduces: the given ones (attribute or input `index`); when none or an
    /// empty list is given, every axis, or none with `noop_with_empty_axes`.
    func reducedAxes(inputIndex index: Int, rank: Int) throws -> [Int] {
        if let axes = try axes(inputIndex: index, rank: rank), !axes.isEmpty { return axes }
        return (node.int("noop_with_empty_axes") ?? 0) != 0 ? [] : Array(0..<rank)
    }

    func axis(_ name: String = "axis", default value: Int, rank: Int) throws -> Int {
        try normalizedAxis(node.int(name) ?? value, rank: rank, node: label)
    }
}
