import Foundation
import SculptData
import SculptGraph
import SculptPatterns
import SculptRuntime
import SculptTestSupport
import Testing

/// A pruned model gives the same outputs however it runs: the masked dense model in our runtime,
/// the `.sculpt` file on the sparse kernels (1 and 2 threads), and pruned.onnx in ONNX Runtime.
@Suite struct PrunedModelTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var model: String
        var pattern: PatternConfig
        var testDescription: String { "\(model) \(pattern)" }
    }

    static let models = ["examples/mnist/model.onnx", "Tests/Fixtures/models/resnet_cifar_op13_ts.onnx"]
    static let patterns = [
        PatternConfig(family: .grouped, keep: 4, group: 4),
        PatternConfig(family: .grouped, keep: 3, group: 8, connectivity: 0.5),
        PatternConfig(family: .grouped, keep: 4, group: 16, connectivity: 0.3),
        PatternConfig(family: .kernel, keep: 4, connectivity: 0.2),
        PatternConfig(family: .connectivity, group: 4, connectivity: 0.5),
        // Linear layers too: blocks of 16 outputs without half their inputs, which the runtime skips.
        PatternConfig(family: .connectivity, group: 16, connectivity: 0.5),
        PatternConfig(family: .nm, n: 2, m: 4),
    ]
    static let cases = models.flatMap { model in patterns.map { Case(model: model, pattern: $0) } }

    @Test(arguments: cases)
    func sparseRuntimeAndONNXRuntimeAgreeWithTheMaskedModel(_ c: Case) throws {
        let model = try Model(contentsOf: Repository.path(c.model))
        let input = model.graph.runtimeInputs[0]
        let shape = try model.specialized().info(input.name)!.shape
        let values = seededFloats(shape.reduce(1, *), seed: 11)
        try withTemporaryDirectory { directory in
            let summary = try Pruning.apply(PruningConfig(default: c.pattern), to: model, writingTo: directory.url)
            #expect(!summary.layers.isEmpty && summary.macsKept < summary.macs)

            let masks = try ModelMasks.select(model: model, config: PruningConfig(default: c.pattern))
            let masked = masks.apply(to: model)
            let reference = try InferenceSession(model: masked).run([input.name: values])
            let (sculpt, restored) = try SculptFile.read(contentsOf: directory.file("pruned.sculpt"))
            #expect(restored == masks)
            for threads in [1, 2] {
                let sparse = try InferenceSession(model: sculpt, threads: threads, kernels: restored.kernels)
                let outputs = try sparse.run([input.name: values])
                for (name, expected) in reference { #expect(relativeError(outputs[name]!, expected) <= 1e-4, "\(name), \(threads) threads") }
            }
            let ort = try ONNXRuntimeReference.outputs(model: directory.file("pruned.onnx"),
                                                       inputs: [input.name: NumPyArray(shape: shape, elements: .float32(values))], in: directory)
            for (name, expected) in reference { #expect(relativeError(ort[name]!.floats(), expected) <= 1e-4) }

            // masks.npz: one uint8 mask per pruned initializer, shaped like it, agreeing with the masks.
            let archive = try NumPy.readArchive(contentsOf: directory.file("masks.npz"))
            for mask in masks.masks {
                #expect(archive[mask.weight]?.shape == model.graph.initializers[mask.weight]?.shape)
                #expect(archive[mask.weight]?.elements == .uint8(mask.keep.map { $0 ? 1 : 0 }))
            }
            #expect(try PruningConfig.load(from: directory.file("config.json")) == PruningConfig(default: c.pattern))
        }
    }

    @Test func overridesMustNameAPrunableLayerAndFitIt() throws {
        let model = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
        #expect(throws: PatternError.notApplicable(layer: "/nope/Conv", reason: "no prunable layer has this name (`sculpt inspect` lists them)")) {
            try ModelMasks.select(model: model, config: PruningConfig(default: .dense, layers: ["/nope/Conv": PatternConfig(family: .kernel)]))
        }
        #expect(throws: PatternError.self) {
            try ModelMasks.select(model: model, config: PruningConfig(default: .dense, layers: ["/fc/Gemm": PatternConfig(family: .grouped)]))
        }
        // A default that does not fit a layer leaves it dense; an override pins one layer.
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: PatternConfig(family: .grouped),
                                                                            layers: ["/conv2/Conv": .dense]))
        #expect(masks.masks.map(\.layer) == ["/conv1/Conv", "/conv3/Conv", "/conv4/Conv", "/conv5/Conv"])
    }

    @Test func aDamagedSculptFileIsReportedByName() throws {
        try withTemporaryDirectory { directory in
            let model = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
            _ = try Pruning.apply(PruningConfig(default: PatternConfig(family: .grouped)), to: model, writingTo: directory.url)
            let bytes = try Data(contentsOf: directory.file("pruned.sculpt"))
            let truncated = try directory.write(bytes.prefix(bytes.count / 2), to: "truncated.sculpt")
            #expect(throws: PatternError.self) { try SculptFile.read(contentsOf: truncated) }
            let onnx = directory.file("pruned.onnx")
            do {
                _ = try SculptFile.read(contentsOf: onnx)
                Issue.record("an ONNX file was read as .sculpt")
            } catch {
                #expect("\(error)".contains(onnx.path))
            }
        }
    }
}
