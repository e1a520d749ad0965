import Foundation
import SculptGraph
import SculptTestSupport
import Testing

/// Shape inference, folding, the cost model and coupling groups on real exports.
@Suite struct AnalysisTests {
    struct ReferenceGraph: Decodable, Sendable, CustomTestStringConvertible {
        var file: String
        var macs: Int
        var torchvision_gflops: Double
        var testDescription: String { file }
    }

    static let graphs: [ReferenceGraph] = {
        struct Manifest: Decodable { var graphs: [ReferenceGraph] }
        let url = Repository.path("Tests/Fixtures/graphs/manifest.json")
        return (try? JSONDecoder().decode(Manifest.self, from: Data(contentsOf: url)).graphs) ?? []
    }()

    /// torchvision's ResNet-18, ResNet-50 and MobileNetV2 as exported (weights made graph inputs to
    /// keep the files small): MACs counted the standard way equal ONNX's own count and torchvision's.
    @Test(arguments: graphs)
    func macsMatchTorchvision(_ reference: ReferenceGraph) throws {
        let model = try Model(contentsOf: Repository.path("Tests/Fixtures/graphs/\(reference.file)"))
        let macs = try model.specialized().costs().map(\.macs).reduce(0, +)
        #expect(macs == reference.macs)
        #expect((Double(macs) / 1e9 * 1000).rounded() / 1000 == reference.torchvision_gflops)
    }

    @Test func referenceGraphsArePresent() {
        #expect(Self.graphs.map(\.file).sorted() == ["mobilenet_v2_op17_ts.onnx", "resnet18_op17_ts.onnx", "resnet50_op17_ts.onnx"])
    }

    /// The TorchScript ViT export is full of shape arithmetic; at fixed shapes all of it folds away.
    @Test func shapeArithmeticFoldsAway() throws {
        let model = try Model(contentsOf: Repository.path("Tests/Fixtures/models/vit_tiny_op17_ts.onnx"))
        let shaped = try model.specialized(batch: 4)
        let remaining = Set(shaped.graph.nodes.map(\.opType))
        for op in ["Shape", "Constant", "ConstantOfShape", "Equal", "Where", "Mod", "Cast", "Expand"] {
            #expect(!remaining.contains(op), "\(op) should have been folded")
        }
        #expect(shaped.graph.nodes.count < model.graph.nodes.count / 2)
        #expect(shaped.info("logits")?.shape == [4, 10])
    }

    /// Residual adds tie each ResNet stage's channels; depthwise convolutions follow their input.
    /// ScatterND is folded when its inputs are constants (Swin builds its attention masks so): the
    /// ONNX conformance test's data bound as initializers gives its expected output.
    @Test func constantScatterNDFolds() throws {
        let folder = URL(fileURLWithPath: "/usr/share/libonnx-testdata/data/node/test_scatternd")
        var model = try Model(contentsOf: folder.appendingPathComponent("model.onnx"))
        let data = folder.appendingPathComponent("test_data_set_0")
        func tensor(_ name: String) throws -> Tensor {
            try Tensor.decode(tensorProto: Data(contentsOf: data.appendingPathComponent(name))).tensor
        }
        for (i, input) in model.graph.inputs.enumerated() { model.graph.initializers[input.name] = try tensor("input_\(i).pb") }
        let shaped = try model.specialized()
        let output = try #require(shaped.info(model.graph.outputs[0].name)?.constant)
        #expect(output == (try tensor("output_0.pb")))
    }

    @Test func couplingGroupsFollowResidualsAndDepthwise() throws {
        let resnet = try Model(contentsOf: Repository.path("Tests/Fixtures/models/resnet_cifar_op13_ts.onnx")).specialized()
        let groups = resnet.couplingGroups()
        // ResNet-20: per stage, the convolutions that feed the residual stream share one group.
        let stage1 = try #require(groups.first { $0.producers.contains("/conv1/Conv") })
        #expect(stage1.producers.count == 4 && stage1.channels == 16)
        #expect(stage1.producers.allSatisfy { $0 == "/conv1/Conv" || $0.hasSuffix("conv2/Conv") })
        // Every block's first convolution is free to prune on its own.
        #expect(groups.filter { $0.producers.count == 1 && $0.producers[0].hasSuffix("conv1/Conv") && $0.prunable }.count == 9)
        // The classifier's outputs are the model's outputs.
        #expect(groups.first { $0.producers == ["/fc/Gemm"] }?.prunable == false)

        let mobilenet = try Model(contentsOf: Repository.path("Tests/Fixtures/models/mobilenet_v2_op17_ts.onnx")).specialized()
        let expand = try #require(mobilenet.couplingGroups().first { $0.producers == ["/features/features.2/conv/conv.0/conv.0.0/Conv"] })
        #expect(expand.followers == ["/features/features.2/conv/conv.1/conv.1.0/Conv"])
        #expect(expand.prunable)
    }

    @Test func exampleCostsAreCountedPerLayer() throws {
        let costs = try Model(contentsOf: Repository.path("examples/mnist/model.onnx")).specialized().costs()
        let conv2 = try #require(costs.first { $0.name == "/conv2/Conv" })
        // 16 → 32 channels, 3×3, stride 2 over 28×28: 32 × 14 × 14 outputs of 16 × 9 MACs each.
        #expect(conv2.macs == 32 * 14 * 14 * 16 * 9)
        #expect(conv2.parameters == 32 * 16 * 9 + 32)
        #expect(conv2.outputShape == [1, 32, 14, 14] && conv2.activationBytes == 32 * 14 * 14 * 4)
    }

    /// MaxViT's attention scores: an Einsum costs one multiply-accumulate per combination of its letters.
    @Test func einsumIsCountedAsTheProductItWritesOut() throws {
        let graph = Graph(
            nodes: [Node(name: "scores", opType: "Einsum", inputs: ["q", "k"], outputs: ["s"],
                         attributes: [Attribute("equation", .string("B G H I D, B G H J D -> B G H I J"))])],
            inputs: ["q", "k"].map { ValueInfo(name: $0, elementType: .float, shape: [1, 4, 2, 49, 32].map { .fixed($0) }) },
            outputs: [ValueInfo(name: "s", elementType: .float, shape: nil)])
        let cost = try #require(try Model(graph: graph, opset: 17).specialized().costs().first)
        #expect(cost.outputShape == [1, 4, 2, 49, 49])
        #expect(cost.macs == 4 * 2 * 49 * 49 * 32)
    }
}
