import Foundation
import SculptData
import SculptGraph
import SculptTestSupport
import Testing

/// Import and export are lossless: a re-exported model decodes to the same IR, and ONNX Runtime
/// gives identical outputs for it.
@Suite struct ONNXRoundTripTests {
    static let models = (try? Repository.fixtureModels()) ?? []

    @Test(arguments: models)
    func reexportIsLossless(_ fixture: FixtureModel) throws {
        let original = try Model(contentsOf: fixture.url)
        let reimported = try Model(serializedData: original.serializedData())
        #expect(reimported == original)
        #expect(reimported.opset == fixture.opset)
        try withTemporaryDirectory { directory in
            let copy = directory.file("reexported.onnx")
            try original.write(to: copy)
            let shape = [3] + fixture.inputShape.dropFirst()
            let input = [fixture.inputName: NumPyArray(shape: shape, elements: .float32(seededFloats(shape.reduce(1, *), seed: 5)))]
            let before = try ONNXRuntimeReference.outputs(model: fixture.url, inputs: input, in: directory)
            let after = try ONNXRuntimeReference.outputs(model: copy, inputs: input, in: directory)
            #expect(before == after)
            #expect(!before.isEmpty)
        }
    }

    /// Attributes of every kind, metadata, doc strings and non-float tensors survive a round trip.
    @Test func everyFieldSurvives() throws {
        let node = Node(name: "n", opType: "Custom", domain: "example.domain", inputs: ["x", ""], outputs: ["y"],
                        attributes: [Attribute("f", .float(1.5)), Attribute("i", .int(-3)), Attribute("s", .string("SAME_UPPER")),
                                     Attribute("fs", .floats([1, 2])), Attribute("is", .ints([4, 5])),
                                     Attribute("ss", .strings(["a", "b"])),
                                     Attribute("t", .tensor(Tensor(shape: [2], integers: [7, 8], dataType: .int32)))],
                        docString: "a node")
        var graph = Graph(name: "g", nodes: [node],
                          inputs: [ValueInfo(name: "x", elementType: .float, shape: [.symbolic("batch"), .fixed(3), .unknown])],
                          outputs: [ValueInfo(name: "y", elementType: .float, shape: nil)], docString: "a graph")
        graph.initializers["w"] = Tensor(shape: [2, 2], integers: [1, 0, 0, 1], dataType: .bool)
        graph.initializers["h"] = Tensor(shape: [3], integers: [1, 2, 3], dataType: .uint8)
        var model = Model(graph: graph, opset: 17)
        model.opsetImports.append(OpsetImport(domain: "example.domain", version: 2))
        model.metadata = [("author", "EdgeSculpt tests")]
        model.producerVersion = "1.0"
        let copy = try Model(serializedData: model.serializedData())
        #expect(copy == model)
        #expect(copy.graph.nodes[0].attribute("s") == .string("SAME_UPPER"))
        #expect(copy.graph.initializers["h"]?.integers == [1, 2, 3])
    }
}
