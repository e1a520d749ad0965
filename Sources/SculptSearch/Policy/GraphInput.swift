/// A graph as the encoder reads it: node features, directed edges with a feature each, and the
/// nodes where decisions are made.
public struct GraphInput: Sendable, Equatable {
    /// One row of features per node.
    public var features: Matrix
    /// Edges as (source, target) node indices; the encoder adds a self loop to every node.
    public var sources: [Int]
    public var targets: [Int]
    /// One scalar per edge (for example the log of the tensor's size).
    public var edgeFeatures: [Float]

    public init(features: Matrix, sources: [Int], targets: [Int], edgeFeatures: [Float]) {
        precondition(sources.count == targets.count && targets.count == edgeFeatures.count, "one source, target and feature per edge")
        self.features = features
        self.sources = sources
        self.targets = targets
        self.edgeFeatures = edgeFeatures
    }

    public var nodeCount: Int { features.rows }
}
