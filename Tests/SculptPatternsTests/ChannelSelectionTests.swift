import Foundation
import SculptGraph
import SculptPatterns
import SculptTestSupport
import Testing

/// Channel pruning chosen per coupling group: the same channels leave every producer of a group,
/// at the requested rate, with BatchNorm and depthwise followers masked alongside.
@Suite struct ChannelSelectionTests {
    static func fixture(_ file: String) throws -> Model {
        try Model(contentsOf: Repository.path("Tests/Fixtures/models/\(file)"))
    }

    @Test(arguments: [0.25, 0.5])
    func everyProducerOfAGroupLosesTheSameChannels(rate: Double) throws {
        let model = try Self.fixture("resnet_cifar_op13_ts.onnx")
        let shaped = try model.specialized()
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .channels, rate: rate)))
        let byLayer = Dictionary(masks.masks.map { ($0.layer, $0) }, uniquingKeysWith: { a, _ in a })
        let groups = shaped.couplingGroups().filter(\.prunable)
        #expect(groups.contains { $0.producers.count > 1 }, "the residual stream couples several producers")
        for group in groups {
            let removed = try group.producers.map { try #require(byLayer[$0], "\($0) has no mask").removedOutputs }
            #expect(Set(removed.map { $0 }).count == 1, "producers of group \(group.id) disagree")
            #expect(removed[0].count == Int((rate * Double(group.channels)).rounded()))
            // The channels with the smallest L2 norm summed over the producers go.
            var norms = [Float](repeating: 0, count: group.channels)
            for producer in group.producers {
                let mask = byLayer[producer]!
                let weight = model.graph.initializers[mask.weight]!.floats!
                let length = weight.count / group.channels
                for c in 0..<group.channels {
                    norms[c] += weight[(c * length)..<((c + 1) * length)].reduce(0) { $0 + $1 * $1 }.squareRoot()
                }
            }
            let kept = Set(0..<group.channels).subtracting(removed[0])
            #expect(removed[0].allSatisfy { r in kept.allSatisfy { norms[r] <= norms[$0] } })
        }
        // The group that reaches the logits is not prunable: the classifier keeps its outputs.
        #expect(byLayer["/fc/Gemm"] == nil)
    }

    @Test func batchNormFollowersAreMaskedSoRemovedChannelsAreZero() throws {
        let model = try Self.fixture("vgg_small_op13_ts.onnx")
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .channels, rate: 0.5)))
        let conv = try #require(masks.masks.first { $0.layer == "/features/features.0/Conv" })
        let norm = try #require(masks.masks.first { $0.layer == "/features/features.1/BatchNormalization" })
        #expect(norm.removedOutputs == conv.removedOutputs && norm.weight == "features.1.weight" && norm.bias == "features.1.bias")
        let masked = masks.apply(to: model)
        for c in conv.removedOutputs {
            #expect(masked.graph.initializers["features.1.weight"]!.floats![c] == 0)
            #expect(masked.graph.initializers["features.1.bias"]!.floats![c] == 0)
        }
    }

    @Test func anOverrideOnOneProducerAppliesToItsGroup() throws {
        let model = try Self.fixture("resnet_cifar_op13_ts.onnx")
        let config = PruningConfig(default: .dense, layers: ["/conv1/Conv": PatternConfig(family: .channels, rate: 0.5)])
        let masks = try ModelMasks.select(model: model, config: config)
        let group = try #require(try model.specialized().couplingGroups().first { $0.producers.contains("/conv1/Conv") })
        #expect(Set(masks.masks.map(\.layer)) == Set(group.producers + group.followers))
        #expect(group.producers.count > 1)
    }

    @Test func conflictingChoicesInOneGroupAreErrors() throws {
        let model = try Self.fixture("resnet_cifar_op13_ts.onnx")
        let rates = PruningConfig(default: .dense, layers: ["/conv1/Conv": PatternConfig(family: .channels, rate: 0.5),
                                                            "/layer1/layer1.0/conv2/Conv": PatternConfig(family: .channels, rate: 0.25)])
        #expect(throws: PatternError.invalidConfig("layers '/conv1/Conv' and '/layer1/layer1.0/conv2/Conv' share a coupling group but ask for channel rates 0.5 and 0.25")) {
            try ModelMasks.select(model: model, config: rates)
        }
        let families = PruningConfig(default: .dense, layers: ["/conv1/Conv": PatternConfig(family: .channels, rate: 0.5),
                                                               "/layer1/layer1.0/conv2/Conv": PatternConfig(family: .shape, rate: 0.5)])
        #expect(throws: PatternError.notApplicable(layer: "/layer1/layer1.0/conv2/Conv", reason: "its coupling group is channel-pruned by the override on '/conv1/Conv' and every producer of a group loses the same channels, so it cannot be shape")) {
            try ModelMasks.select(model: model, config: families)
        }
        #expect(throws: PatternError.notApplicable(layer: "/fc/Gemm", reason: "channels patterns do not apply to a linear layer whose channels cannot be removed")) {
            try ModelMasks.select(model: model, config: PruningConfig(default: .dense, layers: ["/fc/Gemm": PatternConfig(family: .channels)]))
        }
    }
}

extension ChannelSelectionTests {
    @Test func channelsThatFeedAGroupedConvolutionStay() throws {
        // layer4's 3x3 convolutions have 2 groups: output channel i reads a half of the inputs, not input i.
        let model = try Self.fixture("resnet_imagenet_op17_ts.onnx")
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .channels, rate: 0.5)))
        #expect(masks.masks.contains { $0.layer == "/layer1/layer1.0/conv1/Conv" })
        #expect(!masks.masks.contains { $0.layer == "/layer4/layer4.0/conv1/Conv" })
        let explicit = PruningConfig(default: .dense, layers: ["/layer4/layer4.0/conv1/Conv": PatternConfig(family: .channels, rate: 0.5)])
        #expect(throws: PatternError.notApplicable(layer: "/layer4/layer4.0/conv1/Conv", reason: "its channels feed '/layer4/layer4.0/conv2/Conv', a grouped convolution that mixes them, so they cannot be removed")) {
            try ModelMasks.select(model: model, config: explicit)
        }
    }
}

extension ChannelSelectionTests {
    @Test func featuresOfTokensAreNotRemoved() throws {
        // A ViT's MLP makes its features on the last axis of tokens × features: the default skips it.
        let model = try Self.fixture("vit_tiny_op17_ts.onnx")
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .channels, rate: 0.5)))
        #expect(!masks.masks.contains { $0.layer == "/encoder/layers/encoder_layer_0/mlp/mlp.0/MatMul" })
        let explicit = PruningConfig(default: .dense, layers: ["/encoder/layers/encoder_layer_0/mlp/mlp.0/MatMul": PatternConfig(family: .channels, rate: 0.5)])
        let name = "/encoder/layers/encoder_layer_0/mlp/mlp.0/MatMul"
        #expect(throws: PatternError.notApplicable(layer: name, reason: "'\(name)' makes these channels on the last axis of a tensor of more than two dimensions, where channels are not removed")) {
            try ModelMasks.select(model: model, config: explicit)
        }
    }
}
