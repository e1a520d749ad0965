/// Layers whose output channels must be pruned together.
///
/// Channels are tied when tensors meet elementwise (a residual Add, a squeeze-and-excitation
/// Mul) and through depthwise or grouped convolutions, which keep channel `i` on channel `i`.
/// This follows DepGraph's dependency rules for the operators these models use.
public struct CouplingGroup: Sendable, Equatable {
    public var id: Int
    /// Nodes that create the group's channels (convolutions, linear layers), in execution order.
    public var producers: [String]
    /// Depthwise or grouped convolutions and normalizations that follow the group's channels.
    public var followers: [String]
    public var channels: Int
    /// False when the channels reach a graph output or an operator that reinterprets them (Reshape, Transpose…).
    public var prunable: Bool
}

extension ShapedGraph {
    /// Channel coupling groups, one per independent set of prunable channels.
    public func couplingGroups() -> [CouplingGroup] {
        var spaces = UnionFind()
        var spaceOf = [String: Int]()
        var producers = [Int: [String]]()   // space id at creation → producer names
        var followers = [Int: [String]]()
        var channels = [Int: Int]()
        var pinned = Set<Int>()

        func newSpace(_ count: Int) -> Int {
            let id = spaces.add()
            channels[id] = count
            return id
        }
        func channelCount(_ name: String) -> Int? {
            guard let shape = tensors[name]?.shape, shape.count >= 2 else { return nil }
            return shape[1]
        }
        let passThrough: Set<String> = [
            "Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Erf", "Tanh", "Dropout", "Identity",
            "BatchNormalization", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Cast",
        ]

        for (index, node) in graph.nodes.enumerated() {
            let name = graph.layerName(index)
            let inputs = node.inputs.filter { !$0.isEmpty && tensors[$0]?.constant == nil }
            let inputSpaces = inputs.compactMap { spaceOf[$0] }
            guard let output = node.outputs.first, !output.isEmpty else { continue }
            let weightShape = node.input(1).flatMap { tensors[$0]?.constant?.shape }
            switch node.opType {
            case "Conv":
                let groups = node.int("group") ?? 1
                if groups > 1, let input = inputSpaces.first {
                    // Depthwise and grouped convolutions keep channels in place: they follow their input.
                    spaceOf[output] = input
                    followers[spaces.find(input), default: []].append(name)
                } else {
                    let space = newSpace(weightShape?.first ?? 0)
                    producers[space, default: []].append(name)
                    spaceOf[output] = space
                }
            case "Gemm", "MatMul":
                // A linear layer with a constant weight creates channels; a product of two
                // run-time tensors (attention) reinterprets them.
                guard let weight = weightShape, weight.count == 2, inputs.count == 1 else {
                    inputSpaces.forEach { pinned.insert($0) }
                    continue
                }
                let outFeatures = node.opType == "Gemm" && node.int("transB") == 1 ? weight[0] : weight[1]
                let space = newSpace(outFeatures)
                producers[space, default: []].append(name)
                spaceOf[output] = space
            case _ where passThrough.contains(node.opType):
                if let input = inputSpaces.first {
                    spaceOf[output] = input
                    if node.opType == "BatchNormalization" { followers[spaces.find(input), default: []].append(name) }
                }
            case "Add", "Sub", "Mul", "Div", "Sum", "Max", "Min":
                // Operands with the same channel count meet channel by channel; a broadcast scalar does not tie anything.
                let channelled = zip(inputs, inputSpaces.count == inputs.count ? inputSpaces : [])
                    .filter { channelCount($0.0) == channelCount(output) }.map(\.1)
                if let first = channelled.first {
                    for other in channelled.dropFirst() { spaces.union(first, other) }
                    spaceOf[output] = first
                } else {
                    inputSpaces.forEach { pinned.insert($0) }
                }
            default:
                // Concat, Reshape, Transpose, Softmax, LayerNormalization… reinterpret channels: keep them intact.
                inputSpaces.forEach { pinned.insert($0) }
            }
        }
        for output in graph.outputs { if let space = spaceOf[output.name] { pinned.insert(space) } }

        var groups = [Int: CouplingGroup]()
        var order = [Int]()
        for space in channels.keys.sorted() {
            let root = spaces.find(space)
            if groups[root] == nil {
                groups[root] = CouplingGroup(id: 0, producers: [], followers: [], channels: channels[space] ?? 0, prunable: true)
                order.append(root)
            }
            groups[root]!.producers += producers[space] ?? []
            groups[root]!.followers += followers[space] ?? []
            if pinned.contains(space) { groups[root]!.prunable = false }
        }
        return order.compactMap { groups[$0] }.filter { !$0.producers.isEmpty }.enumerated().map { id, group in
            var group = group
            group.id = id
            return group
        }
    }
}

/// Disjoint sets of integers with path compression.
struct UnionFind {
    private var parent = [Int]()

    mutating func add() -> Int {
        parent.append(parent.count)
        return parent.count - 1
    }

    mutating func find(_ x: Int) -> Int {
        var root = x
        while parent[root] != root { root = parent[root] }
        var node = x
        while parent[node] != root { (parent[node], node) = (root, parent[node]) }
        return root
    }

    mutating func union(_ a: Int, _ b: Int) {
        let (ra, rb) = (find(a), find(b))
        if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
    }
}
