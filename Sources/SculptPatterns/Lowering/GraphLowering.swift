import SculptGraph

/// One lowering pass: the nodes of a masked graph are rewritten in execution order while the
/// channel order of every rewritten tensor is tracked.
///
/// A tensor whose channels (axis 1) a producer removed or reordered has an entry in `channels`:
/// the original channel at each position. Its consumers take that order into their weights
/// (`absorb`), or pass it on when they keep channels in place (activations, pooling, BatchNorm,
/// depthwise convolutions, Flatten).
struct GraphLowering {
    /// The graph being rewritten: its initializers are updated as nodes are lowered, its nodes at the end.
    var graph: Graph
    let original: [Node]
    /// The default-domain operator set: it decides how new nodes spell their inputs.
    let opset: Int
    /// Shapes of the masked model's tensors (first dimension at batch 1) and its constants, folded ones included.
    let shapes: [String: [Int]]
    let constants: [String: Tensor]
    /// Shape and channel masks by weight initializer.
    let masks: [String: LayerMask]
    /// The nodes that read each tensor.
    let consumers: [String: [Node]]
    var channels = [String: [Int]]()
    var emitted = [Node]()
    /// Every tensor and node name in use, so that new ones do not collide.
    var taken: Set<String>

    init(_ masked: Model, masks: ModelMasks) throws {
        let shaped = try masked.specialized()
        graph = masked.graph
        original = masked.graph.nodes
        opset = masked.opset
        shapes = shaped.tensors.mapValues(\.shape)
        constants = shaped.tensors.compactMapValues(\.constant)
        self.masks = Dictionary(masks.masks.filter { $0.pattern.family == .shape || $0.pattern.family == .channels }.map { ($0.weight, $0) },
                                uniquingKeysWith: { a, _ in a })
        var consumers = [String: [Node]]()
        for node in original { for input in Set(node.inputs) where !input.isEmpty { consumers[input, default: []].append(node) } }
        self.consumers = consumers
        taken = Set(original.flatMap { $0.inputs + $0.outputs + [$0.name] } + graph.initializers.keys
                    + graph.inputs.map(\.name) + graph.outputs.map(\.name))
    }

    mutating func run() throws {
        for index in try graph.executionOrder() {
            var node = original[index]
            // Masks name the original weight: absorbing the input channels may replace it.
            let mask = original[index].input(1).flatMap { masks[$0] }
            try absorb(&node)
            if let mask, Self.isProducer(node) {
                if mask.pattern.family == .shape {
                    try lowerShape(node, mask)
                    continue
                }
                try removeChannels(&node, mask)
            }
            emitted.append(node)
        }
        if let output = graph.outputs.first(where: { channels[$0.name] != nil }) {
            throw PatternError.notApplicable(layer: output.name, reason: "a graph output would lose or reorder channels")
        }
        graph.nodes = emitted
        let used = Set(emitted.flatMap(\.inputs) + graph.outputs.map(\.name))
        let dropped = Set(graph.initializers.keys).subtracting(used)
        graph.initializers = graph.initializers.filter { used.contains($0.key) }
        graph.inputs.removeAll { dropped.contains($0.name) }
        // Declared shapes of rewritten tensors no longer hold; engines infer them again.
        graph.valueInfo.removeAll { channels[$0.name] != nil }
    }

    /// Convolutions of one group and linear layers: the nodes whose output channels a mask chooses.
    static func isProducer(_ node: Node) -> Bool {
        (node.opType == "Conv" && (node.int("group") ?? 1) == 1) || node.opType == "Gemm" || node.opType == "MatMul"
    }

    // MARK: Helpers

    /// The constant value of tensor `name`.
    func constant(_ name: String, of node: Node) throws -> Tensor {
        guard let tensor = graph.initializers[name] ?? constants[name], tensor.floats != nil else {
            throw failure(node, "its input '\(name)' must be a constant float tensor to be lowered")
        }
        return tensor
    }

    /// The number of channels tensor `name` has in the masked model.
    func originalChannels(_ name: String) -> Int? {
        shapes[name].flatMap { $0.count > 1 ? $0[1] : nil }
    }

    /// Stores `tensor` as a new initializer named after `base` and returns its name.
    mutating func store(_ tensor: Tensor, as base: String) -> String {
        let name = fresh(base.hasSuffix(".lowered") ? base : base + ".lowered")
        graph.initializers[name] = tensor
        return name
    }

    /// `base`, or `base_1`, `base_2`… the first that no tensor or node uses yet.
    mutating func fresh(_ base: String) -> String {
        var name = base, suffix = 0
        while taken.contains(name) {
            suffix += 1
            name = "\(base)_\(suffix)"
        }
        taken.insert(name)
        return name
    }

    func failure(_ node: Node, _ reason: String) -> PatternError {
        PatternError.notApplicable(layer: node.name.isEmpty ? node.opType : node.name, reason: reason)
    }
}
