import Foundation
import SculptData
import SculptGraph
import SculptPatterns
import SculptTestSupport
import Testing

/// The lowered ONNX computes what the masked model computes, in ONNX Runtime, with fewer
/// parameters and MACs.
@Suite struct LoweringTests {
    struct Case: CustomStringConvertible, Sendable {
        var model: String
        var pattern: PatternConfig
        var description: String { "\(model) \(pattern)" }

        var url: URL {
            model.hasPrefix("examples/") ? Repository.path(model) : Repository.path("Tests/Fixtures/models/\(model)")
        }
    }

    static let cases: [Case] = [
        Case(model: "examples/mnist/model.onnx", pattern: PatternConfig(family: .shape, rate: 0.3)),
        Case(model: "examples/mnist/model.onnx", pattern: PatternConfig(family: .shape, rate: 0.5)),
        Case(model: "examples/mnist/model.onnx", pattern: PatternConfig(family: .channels, rate: 0.5)),
        Case(model: "resnet_cifar_op13_ts.onnx", pattern: PatternConfig(family: .shape, rate: 0.3)),
        Case(model: "resnet_cifar_op13_ts.onnx", pattern: PatternConfig(family: .shape, rate: 0.6)),
        Case(model: "resnet_cifar_op13_ts.onnx", pattern: PatternConfig(family: .channels, rate: 0.4)),
        Case(model: "resnet_imagenet_op17_ts.onnx", pattern: PatternConfig(family: .shape, rate: 0.5)),
        Case(model: "resnet_imagenet_op17_ts.onnx", pattern: PatternConfig(family: .channels, rate: 0.5)),
        // BatchNorm between convolutions, MaxPool, and a Flatten of C×7×7 into the classifier.
        Case(model: "vgg_small_op13_ts.onnx", pattern: PatternConfig(family: .shape, rate: 0.5)),
        Case(model: "vgg_small_op13_ts.onnx", pattern: PatternConfig(family: .channels, rate: 0.5)),
        // Depthwise convolutions follow the removed channels.
        Case(model: "mobilenet_v2_op17_ts.onnx", pattern: PatternConfig(family: .channels, rate: 0.3)),
    ]

    struct Lowered {
        var dense: Model
        var masks: ModelMasks
        var masked: Model
        var lowered: Model

        init(_ url: URL, _ pattern: PatternConfig) throws {
            dense = try Model(contentsOf: url)
            masks = try ModelMasks.select(model: dense, config: PruningConfig(default: pattern))
            masked = masks.apply(to: dense)
            lowered = try Lowering.lower(masked, masks: masks)
        }
    }

    static func totals(_ model: Model) throws -> (macs: Int, parameters: Int) {
        let costs = try model.specialized().costs()
        return (costs.map(\.macs).reduce(0, +), costs.map(\.parameters).reduce(0, +))
    }

    @Test(arguments: cases)
    func loweredOutputsEqualTheMaskedModelsInONNXRuntime(_ test: Case) throws {
        let result = try Lowered(test.url, test.pattern)
        #expect(!result.masks.masks.isEmpty)
        let input = try #require(result.dense.graph.runtimeInputs.first)
        let shape = try result.dense.specialized().tensors[input.name]!.shape
        try withTemporaryDirectory { directory in
            let maskedFile = directory.file("masked.onnx"), loweredFile = directory.file("lowered.onnx")
            try result.masked.write(to: maskedFile)
            try result.lowered.write(to: loweredFile)
            // Two images: the batch stays dynamic through the lowering.
            let batch = [2] + shape.dropFirst()
            let inputs = [input.name: NumPyArray(shape: batch, elements: .float32(seededFloats(batch.reduce(1, *), seed: 11)))]
            let expected = try ONNXRuntimeReference.outputs(model: maskedFile, inputs: inputs, in: directory)
            let actual = try ONNXRuntimeReference.outputs(model: loweredFile, inputs: inputs, in: directory)
            #expect(Set(actual.keys) == Set(expected.keys))
            for (name, value) in expected {
                let got = try #require(actual[name])
                #expect(got.shape == value.shape)
                #expect(relativeError(got.floats(), value.floats()) <= 1e-4, "\(test) output \(name)")
            }
        }
    }

    @Test(arguments: cases)
    func loweringCutsParametersAndMACs(_ test: Case) throws {
        let result = try Lowered(test.url, test.pattern)
        let dense = try Self.totals(result.dense), lowered = try Self.totals(result.lowered)
        let macs = Dictionary(try result.dense.specialized().costs().map { ($0.name, $0.macs) }, uniquingKeysWith: { a, _ in a })
        let layers = try result.dense.specialized().prunableLayers()
        switch test.pattern.family {
        case .shape:
            // Each shape layer keeps at most 1 − rate of its MACs, plus one filter of slack (the
            // overshoot of the last greedy step is downward; a zero filter restores removed ones).
            let shaped = layers.filter { layer in result.masks.masks.contains { $0.layer == layer.name } }
            let saved = shaped.map { Double(macs[$0.name]!) * test.pattern.rate }.reduce(0, +)
            let slack = shaped.map { Double(macs[$0.name]!) / Double($0.outputs) }.reduce(0, +)
            #expect(Double(lowered.macs) <= Double(dense.macs) - saved + slack, "\(test): \(lowered.macs) of \(dense.macs) MACs")
        default:
            // Every pruned channel leaves its producer and every reader: MACs match a count of live channels.
            #expect(lowered.macs == (try Self.expectedMACs(result)), "\(test): \(lowered.macs) of \(dense.macs) MACs")
        }
        #expect(lowered.macs < dense.macs)
        #expect(lowered.parameters < dense.parameters)
        #expect(try result.lowered.specialized().costs().map(\.macs).reduce(0, +) == lowered.macs)
    }

    /// MACs of the dense model counted over live channels only: a removed channel of a group drops
    /// out of its producers' outputs and of every reader's inputs, followed through channel-preserving
    /// operators and Flatten.
    static func expectedMACs(_ result: Lowered) throws -> Int {
        let shaped = try result.dense.specialized()
        let removedBy = Dictionary(result.masks.masks.map { ($0.layer, Set($0.removedOutputs)) }, uniquingKeysWith: { a, _ in a })
        var liveShare = [String: Double]()   // tensor → share of its channels (features) alive
        var total = 0.0
        for (index, cost) in shaped.costs().enumerated() {
            let node = shaped.graph.nodes[index]
            let inShare = node.input(0).flatMap { liveShare[$0] } ?? 1
            let outputs = cost.outputShape.count > 1 ? cost.outputShape[1] : 1
            let removed = removedBy[cost.name]?.count ?? 0
            switch node.opType {
            case "Conv" where (node.int("group") ?? 1) > 1:
                total += Double(cost.macs) * inShare
                liveShare[node.outputs[0]] = inShare
            case "Conv", "Gemm", "MatMul":
                let outShare = Double(outputs - removed) / Double(outputs)
                total += Double(cost.macs) * inShare * outShare
                liveShare[node.outputs[0]] = outShare
            default:
                liveShare[node.outputs[0]] = node.inputs.compactMap { liveShare[$0] }.first
            }
        }
        return Int(total.rounded())
    }

    @Test func aMaskThatIsNoShapeIsRejected() throws {
        let dense = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
        var masks = try ModelMasks.select(model: dense, config: PruningConfig(default: PatternConfig(family: .shape, rate: 0.3)))
        let filter = try #require((0..<32).first { !masks.masks[1].removedOutputs.contains($0) })
        // A lone corner tap is no row/column shape.
        for t in 0..<(16 * 9) { masks.masks[1].keep[filter * 16 * 9 + t] = t % 9 == 0 }
        #expect(throws: PatternError.notApplicable(layer: "/conv2/Conv", reason: "the mask of filter \(filter) is not a row/column shape that this convolution's pads can express")) {
            try Lowering.lower(masks.apply(to: dense), masks: masks)
        }
    }

    @Test func removedChannelsCannotPassAnOperatorThatMakesZerosNonZero() throws {
        // conv → Sigmoid → conv: a removed channel is sigmoid(0) = 0.5 in the masked model, not nothing.
        var graph = Graph(nodes: [
            Node(name: "a", opType: "Conv", inputs: ["x", "wa"], outputs: ["ya"], attributes: [Attribute("kernel_shape", .ints([1, 1]))]),
            Node(name: "s", opType: "Sigmoid", inputs: ["ya"], outputs: ["ys"]),
            Node(name: "b", opType: "Conv", inputs: ["ys", "wb"], outputs: ["y"], attributes: [Attribute("kernel_shape", .ints([1, 1]))]),
        ], inputs: [ValueInfo(name: "x", elementType: .float, shape: [.fixed(1), .fixed(4), .fixed(3), .fixed(3)])],
        outputs: [ValueInfo(name: "y", elementType: .float, shape: nil)])
        graph.initializers["wa"] = Tensor(shape: [8, 4, 1, 1], floats: seededFloats(32, seed: 3))
        graph.initializers["wb"] = Tensor(shape: [2, 8, 1, 1], floats: seededFloats(16, seed: 4))
        let model = Model(graph: graph, opset: 17)
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .channels, rate: 0.5)))
        #expect(masks.masks.map(\.layer) == ["a"])
        #expect(throws: PatternError.notApplicable(layer: "s", reason: "removed channels are zero before this Sigmoid but would not be after it, so they cannot leave the graph")) {
            try Lowering.lower(masks.apply(to: model), masks: masks)
        }
    }

    @Test func shapeLayersBecomeOneConvolutionPerShapeAndAConcat() throws {
        let result = try Lowered(Repository.path("examples/mnist/model.onnx"), PatternConfig(family: .shape, rate: 0.3))
        let nodes = result.lowered.graph.nodes
        var split = 0
        for mask in result.masks.masks {
            #expect(!nodes.contains { $0.name == mask.layer })
            let parts = nodes.filter { $0.opType == "Conv" && $0.name.hasPrefix(mask.layer + "/") }
            #expect(!parts.isEmpty)
            for part in parts {
                let kernel = try #require(part.ints("kernel_shape"))
                let weight = try #require(result.lowered.graph.initializers[part.inputs[1]])
                #expect(Array(weight.shape[2...]) == kernel)
                // No filter of the lowered weights is a zero left by the mask.
                let length = weight.count / weight.shape[0]
                #expect((0..<weight.shape[0]).allSatisfy { f in weight.floats![(f * length)..<((f + 1) * length)].contains { $0 != 0 } })
            }
            if parts.count > 1 {
                split += 1
                #expect(nodes.contains { $0.opType == "Concat" && $0.name == mask.layer + "/concat" })
            }
        }
        #expect(split > 0)
        // conv1 reaches only conv2 (through a Relu), which takes its new channel order; the others
        // reach a residual Add, which needs the original order back.
        let restored = Set(nodes.filter { $0.opType == "Gather" }.flatMap(\.outputs))
        #expect(restored.isSubset(of: ["/conv2/Conv_output_0", "/conv3/Conv_output_0", "/conv4/Conv_output_0", "/conv5/Conv_output_0"]))
        #expect(nodes.contains { $0.inputs.contains("/relu1/Relu_output_0") && $0.name.hasPrefix("/conv2/Conv") })
    }
}
