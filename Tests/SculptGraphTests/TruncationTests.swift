import SculptGraph
import Testing

/// A truncated graph keeps exactly the nodes and initializers its new outputs depend on.
@Suite struct TruncationTests {
    @Test func keepsOnlyWhatTheOutputsNeed() {
        let graph = Graph(
            nodes: [
                Node(name: "a", opType: "Conv", inputs: ["x", "wa"], outputs: ["ya"]),
                Node(name: "b", opType: "Relu", inputs: ["ya"], outputs: ["yb"]),
                Node(name: "side", opType: "Conv", inputs: ["x", "ws"], outputs: ["ys"]),
                Node(name: "c", opType: "Add", inputs: ["yb", "ya"], outputs: ["yc"]),
                Node(name: "d", opType: "Add", inputs: ["yc", "ys"], outputs: ["y"]),
            ],
            initializers: ["wa": .scalar(1), "ws": .scalar(2)],
            inputs: [ValueInfo(name: "x", elementType: .float, shape: nil)],
            outputs: [ValueInfo(name: "y", elementType: .float, shape: nil)])
        let truncated = graph.truncated(computing: ["yc"])
        #expect(truncated.nodes.map(\.name) == ["a", "b", "c"])
        #expect(Array(truncated.initializers.keys) == ["wa"])
        #expect(truncated.inputs.map(\.name) == ["x"])
        #expect(truncated.outputs.map(\.name) == ["yc"])
        #expect(graph.truncated(computing: ["y"]).nodes.count == 5)
    }
}
