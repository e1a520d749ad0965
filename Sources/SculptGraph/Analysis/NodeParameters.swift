/// Parameters of a node that only make sense once its input shapes and constants are known,
/// resolved the same way shape inference resolves them, for the runtime to build kernels from.
extension ShapedGraph {
    func context(_ node: Node) -> NodeContext {
        NodeContext(node: node, inputs: node.inputs.map { $0.isEmpty ? nil : tensors[$0] }, opset: opset)
    }

    /// Slice: start, step and count per axis.
    public func sliceRange(_ node: Node) throws -> SliceRange { try SliceRange.resolve(context(node)) }

    /// Split: the length of each output along the axis.
    public func splitSizes(_ node: Node, length: Int) throws -> [Int] {
        try ShapeInference.splitSizes(context(node), length: length)
    }

    /// Reductions: the axes reduced (all of them when none or an empty list is given, unless noop_with_empty_axes).
    public func reductionAxes(_ node: Node) throws -> [Int] {
        try context(node).reducedAxes(inputIndex: 1, rank: tensors[node.inputs[0]]?.shape.count ?? 0)
    }

    /// Einsum: the equation resolved against the input shapes.
    public func einsum(_ node: Node) throws -> EinsumEquation { try ShapeInference.einsum(context(node)) }

    /// Pad: amounts added before and after each axis (negative ones crop).
    public func padding(_ node: Node) throws -> (begin: [Int], end: [Int]) {
        try ShapeInference.padding(context(node), rank: tensors[node.inputs[0]]?.shape.count ?? 0)
    }

    /// An `axis` attribute normalized against `rank`, with the operator's default.
    public func axis(_ node: Node, default value: Int, rank: Int) throws -> Int {
        try context(node).axis(default: value, rank: rank)
    }

    /// The integer values of a constant input (indices, shapes).
    public func integers(_ node: Node, input index: Int, what: String) throws -> [Int] {
        try context(node).integers(index, what: what)
    }
}
