import Foundation
import SculptGraph
import SculptKernels

/// The model's graph as the encoder sees it: one node per operator, an edge per tensor from its
/// producer to each reader, and real features (DESIGN.md): the operator, its geometry, its share
/// of the MACs, parameters and measured latency, the choice made for it so far, and (on the
/// layer being decided) where the configuration stands against the budget.
public struct GraphFeatures {
    public static let count = 20
    /// Features of each candidate of the decision being made: see `candidates(choices:at:)`.
    public static let candidateCount = 6 + SearchSpace.candidates.count
    private let environment: PruningEnvironment
    /// Each candidate's accuracy cost alone (`PruningEnvironment.accuracyCosts`) on a log scale
    /// from 0 (dense) to 1 (the costliest), the median cost at log 2 / log(1 + max/median); zeros
    /// when not measured.
    private let accuracyCosts: [[Double]]
    private let base: Matrix
    private let sources: [Int], targets: [Int], edgeFeatures: [Float]
    /// The node of each decision layer.
    public let decisionNodes: [Int]

    public init(_ environment: PruningEnvironment) {
        self.environment = environment
        let measured = (environment.accuracyCosts ?? []).flatMap { $0 }.filter { $0.isFinite && $0 > 0 }.sorted()
        if let top = measured.last {
            let median = measured[measured.count / 2]
            accuracyCosts = environment.accuracyCosts!.map { $0.map { $0.isFinite ? log1p($0 / median) / log1p(top / median) : 0 } }
        } else {
            accuracyCosts = environment.allowed.map { $0.map { _ in 0 } }
        }
        let graph = environment.shaped.graph, tensors = environment.shaped.tensors
        let costs = environment.shaped.costs()
        let totalMACs = Double(max(1, costs.reduce(0) { $0 + $1.macs })), totalParams = Double(max(1, costs.reduce(0) { $0 + $1.parameters }))
        let dense = [Int](repeating: 0, count: environment.layers.count), denseInputs = environment.inputs(dense)
        let denseLatency = dense.indices.map { environment.latency.latency($0, 0, input: denseInputs[$0]) ?? 0 }
        let totalLatency = max(1e-9, denseLatency.reduce(0, +))
        let decisionOf = Dictionary(uniqueKeysWithValues: environment.layers.enumerated().map { ($1.name, $0) })
        var features = Matrix(zeros: graph.nodes.count, Self.count)
        var decisionNodes = [Int](repeating: 0, count: environment.layers.count)
        var producer = [String: Int]()
        var sources = [Int](), targets = [Int](), edgeFeatures = [Float]()
        func log2(_ x: Int) -> Float { Float(Foundation.log2(Double(max(x, 1)))) }
        for (i, node) in graph.nodes.enumerated() {
            let kind: Int
            switch node.opType {
            case "Conv": kind = 0
            case "Gemm", "MatMul": kind = 1
            case "Add", "Sum", "Mul", "Sub", "Concat": kind = 2
            case "Relu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "LeakyRelu", "Tanh", "Erf": kind = 3
            case "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool": kind = 4
            default: kind = 5
            }
            features[i, kind] = 1
            let weight = node.input(1).flatMap { tensors[$0]?.shape } ?? []
            let input = node.input(0).flatMap { tensors[$0]?.shape } ?? []
            if node.opType == "Conv", weight.count == 4 {
                features[i, 6] = Float(weight[2]) / 7
                features[i, 7] = Float(node.ints("strides")?.first ?? 1) / 2
                features[i, 8] = (node.int("group") ?? 1) > 1 ? 1 : 0
            }
            if input.count >= 2 { features[i, 9] = log2(input[1]) / 10 }
            if let output = node.outputs.first.flatMap({ tensors[$0]?.shape }), output.count >= 2 {
                features[i, 10] = log2(output[1]) / 10
                features[i, 11] = log2(output.dropFirst(2).reduce(1, *)) / 16
            }
            features[i, 12] = Float(Double(costs[i].macs) / totalMACs)
            features[i, 13] = Float(Double(costs[i].parameters) / totalParams)
            if let d = decisionOf[graph.layerName(i)] {
                decisionNodes[d] = i
                features[i, 14] = Float(denseLatency[d] / totalLatency)
            }
            // 15: density of the choice made (1 until decided), 16: decided, 17: the decision being made.
            features[i, 15] = 1
            for name in node.inputs where !name.isEmpty {
                guard let from = producer[name] else { continue }
                sources.append(from)
                targets.append(i)
                edgeFeatures.append(log2(tensors[name]?.count ?? 1) / 20)
            }
            for name in node.outputs where !name.isEmpty { producer[name] = i }
        }
        base = features
        self.sources = sources
        self.targets = targets
        self.edgeFeatures = edgeFeatures
        self.decisionNodes = decisionNodes
    }

    /// The graph with the choices made so far (nil: not yet) and the decision being made marked.
    public func input(choices: [Int?], current: Int?) -> GraphInput {
        var features = base
        for (d, choice) in choices.enumerated() {
            guard let choice else { continue }
            features[decisionNodes[d], 15] = Float(SearchSpace.candidates[choice].density)
            features[decisionNodes[d], 16] = 1
        }
        if let current {
            // 18, 19: shares of the budget spent before this decision, and the least the later ones can cost.
            let (spent, cheapestRest) = environment.budgetState(choices, at: current)
            features[decisionNodes[current], 17] = 1
            features[decisionNodes[current], 18] = Float(spent)
            features[decisionNodes[current], 19] = Float(cheapestRest)
        }
        return GraphInput(features: features, sources: sources, targets: targets, edgeFeatures: edgeFeatures)
    }

    /// One row per candidate of decision `d` (zeros where not allowed): the share of the layer's
    /// weight energy it keeps, its cost and the cost it saves over dense as shares of the budget,
    /// its density, the budget left if it is chosen and every later layer takes its cheapest
    /// candidate, its accuracy cost measured alone (what the knapsack planner knows), and which
    /// candidate it is (one-hot). What the actor learns from these about one
    /// layer carries over to the others.
    public func candidates(choices: [Int?], at d: Int) -> Matrix {
        let e = environment, count = SearchSpace.candidates.count
        let (spent, cheapestRest) = e.budgetState(choices, at: d)
        let shares = e.costShares(choices, at: d)
        var rows = Matrix(zeros: count, Self.candidateCount)
        for c in 0..<count where e.allowed[d][c] {
            let cost = shares[c]
            rows[c, 0] = Float(e.keptEnergy[d][c])
            rows[c, 1] = Float(cost)
            rows[c, 2] = Float(shares[0] - cost)
            rows[c, 3] = Float(SearchSpace.candidates[c].density)
            rows[c, 4] = Float(min(1, max(-1, 1 - spent - cheapestRest - cost)))
            rows[c, 5] = Float(accuracyCosts[d][c])
            rows[c, 6 + c] = 1
        }
        return rows
    }
}
