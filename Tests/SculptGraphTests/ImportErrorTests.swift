import Foundation
import SculptGraph
import SculptTestSupport
import Testing

/// Bad models give one clear error naming the file, node or tensor — never a crash or a hang.
@Suite struct ImportErrorTests {
    static let example = Repository.path("examples/mnist/model.onnx")

    @Test func missingFile() {
        let error = #expect(throws: GraphError.self) { try Model(contentsOf: URL(fileURLWithPath: "/nonexistent/model.onnx")) }
        #expect(error?.message.hasPrefix("/nonexistent/model.onnx: cannot read the file") == true)
    }

    @Test(arguments: [0, 1, 10, 1000, 30_000, 100_000, 200_000])
    func truncatedFileNamesTheFile(_ length: Int) throws {
        let bytes = try Data(contentsOf: Self.example)
        try withTemporaryDirectory { directory in
            let file = try directory.write(bytes.prefix(length), to: "cut.onnx")
            let error = #expect(throws: GraphError.self) { _ = try Model(contentsOf: file).specialized() }
            #expect(error?.message.hasPrefix(file.path + ": ") == true || error?.message.contains("node") == true,
                    "\(error?.message ?? "")")
            #expect(error?.message.contains("\n") == false)
        }
    }

    @Test func notAModel() throws {
        try withTemporaryDirectory { directory in
            let file = try directory.write(Array("this is not protobuf at all".utf8), to: "text.onnx")
            let error = #expect(throws: GraphError.self) { try Model(contentsOf: file) }
            #expect(error?.message.contains("not a valid ONNX model") == true)
        }
    }

    @Test func unsupportedOperatorNamesTheNode() throws {
        var model = try Model(contentsOf: Self.example)
        model.graph.nodes[3].opType = "FancyConv"
        let name = model.graph.nodes[3].name
        let error = #expect(throws: GraphError.self) { try model.specialized() }
        #expect(error?.message == "node '\(name)' (FancyConv): operator 'FancyConv' is not supported")
    }

    @Test func undefinedTensorNamesTheNode() throws {
        var model = try Model(contentsOf: Self.example)
        model.graph.nodes[2].inputs[0] = "nowhere"
        let error = #expect(throws: GraphError.self) { try model.specialized() }
        #expect(error?.message.contains("reads 'nowhere', which no node, input or initializer defines") == true)
    }

    @Test func initializerWithTooLittleData() throws {
        var model = try Model(contentsOf: Self.example)
        let (name, tensor) = (model.graph.initializers.keys[0], model.graph.initializers.values[0])
        var proto = try model.serializedData()
        // Rewrite through the IR: drop one value, keep the declared shape.
        model.graph.initializers[name] = Tensor(shape: [tensor.count - 1], floats: Array(tensor.floats!.dropLast()))
        proto = try model.serializedData()
        var shrunk = try Model(serializedData: proto)
        shrunk.graph.initializers[name]!.shape = tensor.shape
        let error = #expect(throws: GraphError.self) { try Model(serializedData: shrunk.serializedData()) }
        #expect(error?.message.contains("initializer '\(name)'") == true)
    }

    @Test func wrongInputShapeIsExplained() throws {
        let model = try Model(contentsOf: Self.example)
        let error = #expect(throws: GraphError.self) { try model.specialized(inputShapes: ["input": [1, 3, 28, 28]]) }
        #expect(error?.message == "input 'input' is declared as [batch, 1, 28, 28], not [1, 3, 28, 28]")
    }
}
