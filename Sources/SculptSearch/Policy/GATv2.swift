import SculptKernels
/// One GATv2 layer (Brody et al., "How attentive are graph attention networks?"), edge-aware.
///
/// For an edge j → i, e_ij = aᵀ LeakyReLU(W_t h_i + W_s h_j + w_e x_ij); the weights α_ij are the
/// softmax of e over the edges into i (self loops included), and
/// h_i' = LeakyReLU(Σ_j α_ij W_s h_j + b). Unlike GAT, the nonlinearity sits before the attention vector,
/// so the ranking of neighbours can depend on the node that attends.
public final class GATv2Layer {
    public let source: Parameter
    public let target: Parameter
    public let edge: Parameter
    public let attention: Parameter
    public let bias: Parameter

    public init(inputs: Int, outputs: Int, random: inout SeededRandom) {
        source = Parameter(.glorot(inputs, outputs, using: &random))
        target = Parameter(.glorot(inputs, outputs, using: &random))
        edge = Parameter(.glorot(1, outputs, using: &random))
        attention = Parameter(.glorot(outputs, 1, using: &random))
        bias = Parameter(Matrix(zeros: 1, outputs))
    }

    public var parameters: [Parameter] { [source, target, edge, attention, bias] }

    /// New node states (nodes × outputs) from `h` (nodes × inputs).
    public func callAsFunction(_ tape: Tape, _ h: Variable, _ graph: GraphInput) -> Variable {
        let n = graph.nodeCount
        let sources = graph.sources + Array(0..<n), targets = graph.targets + Array(0..<n)
        let edgeValues = Matrix(rows: sources.count, columns: 1, values: graph.edgeFeatures + [Float](repeating: 0, count: n))
        let messages = tape.matmul(h, tape.parameter(source))
        let queries = tape.matmul(h, tape.parameter(target))
        let mixed = tape.add(tape.add(tape.gatherRows(queries, targets), tape.gatherRows(messages, sources)),
                             tape.matmul(tape.constant(edgeValues), tape.parameter(edge)))
        let scores = tape.matmul(tape.leakyRelu(mixed, slope: 0.2), tape.parameter(attention))
        let alpha = tape.segmentSoftmax(scores, segments: targets, count: n)
        let aggregated = tape.scatterAddRows(tape.multiply(tape.gatherRows(messages, sources), alpha), targets, rows: n)
        return tape.leakyRelu(tape.add(aggregated, tape.parameter(bias)), slope: 0.01)
    }
}

/// A stack of GATv2 layers and a mean-pooled graph embedding.
public final class GraphEncoder {
    public let layers: [GATv2Layer]

    public init(features: Int, hidden: Int, depth: Int, random: inout SeededRandom) {
        precondition(depth >= 1, "the encoder needs a layer")
        layers = (0..<depth).map { GATv2Layer(inputs: $0 == 0 ? features : hidden, outputs: hidden, random: &random) }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Per-node embeddings (nodes × hidden) and the graph's (1 × hidden, the mean over nodes).
    public func callAsFunction(_ tape: Tape, _ graph: GraphInput) -> (nodes: Variable, graph: Variable) {
        var h = tape.constant(graph.features)
        for layer in layers { h = layer(tape, h, graph) }
        let pooled = tape.scale(tape.scatterAddRows(h, [Int](repeating: 0, count: graph.nodeCount), rows: 1), 1 / Float(graph.nodeCount))
        return (h, pooled)
    }
}
