import SculptKernels
/// The policy and value networks on a shared GATv2 encoder.
///
/// The actor scores the candidates of one decision node from [its embedding | the graph's]
/// through a two-layer perceptron; the critic estimates the return from the graph embedding.
public final class ActorCritic {
    public let encoder: GraphEncoder
    public let candidates: Int
    let actorHidden: Parameter, actorHiddenBias: Parameter, actorOut: Parameter, actorOutBias: Parameter
    let criticHidden: Parameter, criticHiddenBias: Parameter, criticOut: Parameter, criticOutBias: Parameter

    public init(features: Int, candidates: Int, hidden: Int = 32, depth: Int = 2, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        encoder = GraphEncoder(features: features, hidden: hidden, depth: depth, random: &random)
        self.candidates = candidates
        actorHidden = Parameter(.glorot(2 * hidden, hidden, using: &random))
        actorHiddenBias = Parameter(Matrix(zeros: 1, hidden))
        // Small output weights: the first policy is close to uniform.
        actorOut = Parameter(Matrix(rows: hidden, columns: candidates, values: Matrix.glorot(hidden, candidates, using: &random).values.map { $0 * 0.01 }))
        actorOutBias = Parameter(Matrix(zeros: 1, candidates))
        criticHidden = Parameter(.glorot(hidden, hidden, using: &random))
        criticHiddenBias = Parameter(Matrix(zeros: 1, hidden))
        criticOut = Parameter(.glorot(hidden, 1, using: &random))
        criticOutBias = Parameter(Matrix(zeros: 1, 1))
    }

    public var parameters: [Parameter] {
        encoder.parameters + [actorHidden, actorHiddenBias, actorOut, actorOutBias, criticHidden, criticHiddenBias, criticOut, criticOutBias]
    }

    /// Log-probabilities of the candidates at `node` (1 × candidates; excluded ones at `Tape.excluded`) and the value (1 × 1).
    public func evaluate(_ tape: Tape, _ graph: GraphInput, node: Int, allowed: [Bool]) -> (logProbabilities: Variable, value: Variable) {
        precondition(allowed.count == candidates && allowed.contains(true), "a decision needs at least one allowed candidate")
        let (nodes, pooled) = encoder(tape, graph)
        let input = tape.concatColumns(tape.gatherRows(nodes, [node]), pooled)
        let hidden = tape.tanh(tape.add(tape.matmul(input, tape.parameter(actorHidden)), tape.parameter(actorHiddenBias)))
        let logits = tape.add(tape.matmul(hidden, tape.parameter(actorOut)), tape.parameter(actorOutBias))
        let criticState = tape.tanh(tape.add(tape.matmul(pooled, tape.parameter(criticHidden)), tape.parameter(criticHiddenBias)))
        let value = tape.add(tape.matmul(criticState, tape.parameter(criticOut)), tape.parameter(criticOutBias))
        return (tape.logSoftmax(logits, allowed: allowed), value)
    }
}
