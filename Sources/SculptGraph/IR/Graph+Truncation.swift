extension Graph {
    /// The part of the graph that computes `names`, which become its outputs: the nodes they
    /// depend on (in their order) and the initializers those read.
    public func truncated(computing names: [String]) -> Graph {
        var needed = Set(names), keep = [Bool](repeating: false, count: nodes.count)
        for index in nodes.indices.reversed() where nodes[index].outputs.contains(where: needed.contains) {
            keep[index] = true
            needed.formUnion(nodes[index].inputs.filter { !$0.isEmpty })
        }
        let kept = nodes.indices.filter { keep[$0] }.map { nodes[$0] }
        let known = Dictionary(outputs.map { ($0.name, $0) } + valueInfo.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        return Graph(name: name, nodes: kept, initializers: initializers.filter { needed.contains($0.key) },
                     inputs: inputs.filter { needed.contains($0.name) },
                     outputs: names.map { known[$0] ?? ValueInfo(name: $0, elementType: .float, shape: nil) },
                     valueInfo: valueInfo.filter { needed.contains($0.name) }, docString: docString)
    }
}
