import SculptKernels
/// The policy and value networks on a shared GATv2 encoder.
///
/// The actor scores each candidate of a decision node from [the node's embedding | the graph's |
/// the candidate's features] through one two-layer perceptron that all candidates share, plus a
/// bias per candidate: what it learns from one candidate's features (weights kept, cost, budget
/// left) carries over to every candidate and layer, which one score per candidate from the node
/// alone would have to learn for each separately. The critic estimates the return from the graph
/// embedding.
public final class ActorCritic {
    public let encoder: GraphEncoder
    public let candidates: Int
    let actorHidden: Parameter, actorHiddenBias: Parameter, actorOut: Parameter, actorOutBias: Parameter
    let criticHidden: Parameter, criticHiddenBias: Parameter, criticOut: Parameter, criticOutBias: Parameter

    public init(features: Int, candidateFeatures: Int, candidates: Int, hidden: Int = 32, depth: Int = 2, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        encoder = GraphEncoder(features: features, hidden: hidden, depth: depth, random: &random)
        self.candidates = candidates
        actorHidden = Parameter(.glorot(2 * hidden + candidateFeatures, hidden, using: &random))
        actorHiddenBias = Parameter(Matrix(zeros: 1, hidden))
        // Small output weights: the first policy is close to uniform.
        actorOut = Parameter(Matrix(rows: hidden, columns: 1, values: Matrix.glorot(hidden, 1, using: &random).values.map { $0 * 0.01 }))
        actorOutBias = Parameter(Matrix(zeros: 1, candidates))
        criticHidden = Parameter(.glorot(hidden, hidden, using: &random))
        criticHiddenBias = Parameter(Matrix(zeros: 1, hidden))
        criticOut = Parameter(.glorot(hidden, 1, using: &random))
        criticOutBias = Parameter(Matrix(zeros: 1, 1))
    }

    public var parameters: [Parameter] {
        encoder.parameters + [actorHidden, actorHiddenBias, actorOut, actorOutBias, criticHidden, criticHiddenBias, criticOut, criticOutBias]
    }

    /// Log-probabilities of the candidates at `node` (1 × candidates; excluded ones at `Tape.excluded`)
    /// and the value (1 × 1); `candidateFeatures` has one row per candidate.
    public func evaluate(_ tape: Tape, _ graph: GraphInput, node: Int, candidateFeatures: Matrix,
                         allowed: [Bool]) -> (logProbabilities: Variable, value: Variable) {
        precondition(allowed.count == candidates && allowed.contains(true), "a decision needs at least one allowed candidate")
        precondition(candidateFeatures.rows == candidates, "one row of features per candidate")
        let (nodes, pooled) = encoder(tape, graph)
        let state = tape.concatColumns(tape.gatherRows(nodes, [node]), pooled)
        let input = tape.concatColumns(tape.gatherRows(state, [Int](repeating: 0, count: candidates)), tape.constant(candidateFeatures))
        let hidden = tape.tanh(tape.add(tape.matmul(input, tape.parameter(actorHidden)), tape.parameter(actorHiddenBias)))
        let logits = tape.add(tape.transpose(tape.matmul(hidden, tape.parameter(actorOut))), tape.parameter(actorOutBias))
        let criticState = tape.tanh(tape.add(tape.matmul(pooled, tape.parameter(criticHidden)), tape.parameter(criticHiddenBias)))
        let value = tape.add(tape.matmul(criticState, tape.parameter(criticOut)), tape.parameter(criticOutBias))
        return (tape.logSoftmax(logits, allowed: allowed), value)
    }
}
