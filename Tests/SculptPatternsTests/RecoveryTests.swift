import Foundation
import SculptData
import SculptGraph
import SculptPatterns
import SculptRuntime
import SculptTestSupport
import Testing

/// Recovery's statistics step (BatchNorm re-estimation) restores every masked layer's per-channel
/// mean and spread to the dense model's on the calibration images, whether the BatchNorm was
/// folded by the exporter or follows the convolution.
@Suite struct RecoveryTests {
    static let pattern = PatternConfig(family: .grouped, keep: 3, group: 4, connectivity: 0.5)

    /// Per-channel mean and standard deviation of the NCHW tensor `name` of `model` on `images`.
    static func moments(_ model: Model, _ name: String, images: [Float], shape: [Int]) throws -> [(Double, Double)] {
        var model = model
        model.graph = model.graph.truncated(computing: [name])
        let input = model.graph.runtimeInputs[0].name
        let session = try InferenceSession(model: model, inputShapes: [input: shape])
        let values = try session.run([input: images])[name]!
        let channels = session.outputs[0].shape[1], plane = session.outputs[0].shape.dropFirst(2).reduce(1, *)
        return (0..<channels).map { c in
            var sum = 0.0, squares = 0.0
            for n in 0..<shape[0] {
                for v in values[((n * channels + c) * plane)..<((n * channels + c + 1) * plane)] { sum += Double(v); squares += Double(v * v) }
            }
            let count = Double(shape[0] * plane), mean = sum / count
            return (mean, (squares / count - mean * mean).squareRoot())
        }
    }

    static func expectRestored(_ dense: Model, _ masks: ModelMasks, images: [Float], shape: [Int]) throws {
        let recovered = try Recovery(dense: dense, images: images, imageShape: Array(shape.dropFirst()), count: shape[0])
            .recover(masks, steps: .statistics)
        let masked = masks.apply(to: dense)
        let nodes = dense.graph.nodes
        for mask in masks.masks {
            let output = nodes.first { $0.name == mask.layer }!.outputs[0]
            let want = try moments(dense, output, images: images, shape: shape)
            let got = try moments(recovered, output, images: images, shape: shape)
            let before = try moments(masked, output, images: images, shape: shape)
            var drift = 0.0
            // Filters pruned whole (all their taps) output their bias alone: nothing to restore.
            for ((w, g), b) in zip(zip(want, got), before) where b.1 > 1e-3 * w.1 {
                #expect(abs(g.0 - w.0) <= 1e-3 * (abs(w.0) + w.1), "\(mask.layer) mean")
                #expect(abs(g.1 - w.1) <= 1e-3 * w.1, "\(mask.layer) spread")
                drift = max(drift, abs(b.1 - w.1) / w.1)
            }
            #expect(drift > 0.01, "\(mask.layer): masking moved no channel's spread, so nothing was tested")
        }
    }

    @Test func statisticsOfFoldedBatchNormAreRestored() throws {
        let model = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
        let calibration = try LabelledData(contentsOf: Repository.path("examples/mnist/calib.npz"))
        let shape = [32] + calibration.shape.dropFirst()
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: Self.pattern))
        try Self.expectRestored(model, masks, images: Array(calibration.images.prefix(shape.reduce(1, *))), shape: shape)
    }

    /// A convolution without bias followed by an unfolded BatchNormalization, as PyTorch's
    /// exporter writes in training mode: recovery gives the convolution a bias.
    @Test func statisticsBeforeAnUnfoldedBatchNormAreRestored() throws {
        try withTemporaryDirectory { directory in
            _ = try runPython("""
                import onnx
                from onnx import helper, numpy_helper, TensorProto
                rng = np.random.default_rng(3)
                init = [numpy_helper.from_array(rng.standard_normal((24, 16, 3, 3)).astype(np.float32), 'w'),
                        numpy_helper.from_array((rng.random(24) + 0.5).astype(np.float32), 'gamma'),
                        numpy_helper.from_array(rng.standard_normal(24).astype(np.float32), 'beta'),
                        numpy_helper.from_array(rng.standard_normal(24).astype(np.float32), 'mean'),
                        numpy_helper.from_array((rng.random(24) * 4 + 1).astype(np.float32), 'var')]
                nodes = [helper.make_node('Conv', ['x', 'w'], ['c'], name='conv', pads=[1, 1, 1, 1]),
                         helper.make_node('BatchNormalization', ['c', 'gamma', 'beta', 'mean', 'var'], ['b'], name='bn'),
                         helper.make_node('Relu', ['b'], ['y'], name='relu')]
                graph = helper.make_graph(nodes, 'g', [helper.make_tensor_value_info('x', TensorProto.FLOAT, ['N', 16, 12, 12])],
                                          [helper.make_tensor_value_info('y', TensorProto.FLOAT, ['N', 24, 12, 12])], init)
                onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)]), 'bn.onnx')
                """, in: directory.url)
            let model = try Model(contentsOf: directory.file("bn.onnx"))
            let masks = try ModelMasks.select(model: model, config: PruningConfig(default: Self.pattern))
            #expect(masks.masks.map(\.bias) == [nil])
            let shape = [8, 16, 12, 12]
            try Self.expectRestored(model, masks, images: seededFloats(shape.reduce(1, *), seed: 5), shape: shape)
        }
    }

    /// Linear layers pruned by connectivity are recovered too: their per-feature statistics
    /// (ccexam's 3136→128 layer), and with enough images (twice its inputs) least squares, which
    /// brings the layer's output closer to the dense one's (the example's classifier).
    @Test func linearLayersAreRecovered() throws {
        let pattern = PatternConfig(family: .connectivity, group: 16, connectivity: 0.5)
        let ccexam = try Model(contentsOf: Repository.path("examples/ccexam/model.onnx"))
        let digits = try LabelledData(contentsOf: Repository.path("examples/ccexam/calib.npz"))
        let shape = [32] + digits.shape.dropFirst()
        let fc1 = try ModelMasks.select(model: ccexam, config: PruningConfig(default: .dense, layers: ["/classifier/classifier.0/Gemm": pattern]))
        try Self.expectRestored(ccexam, fc1, images: Array(digits.images.prefix(shape.reduce(1, *))), shape: shape)

        let model = try Model(contentsOf: Repository.path("examples/mnist/model.onnx"))
        let calibration = try LabelledData(contentsOf: Repository.path("examples/mnist/calib.npz"))
        let count = 200, images = Array(calibration.images.prefix(count * calibration.shape.dropFirst().reduce(1, *)))
        let masks = try ModelMasks.select(model: model, config: PruningConfig(default: .dense, layers: ["/fc/Gemm": pattern]))
        let recovered = try Recovery(dense: model, images: images, imageShape: Array(calibration.shape.dropFirst()), count: count)
            .recover(masks, steps: .leastSquares)
        let mask = masks.masks[0], dense = model.graph.initializers[mask.weight]!.floats!
        let refit = recovered.graph.initializers[mask.weight]!.floats!
        #expect(zip(refit, mask.keep).allSatisfy { $1 || $0 == 0 })
        #expect(zip(zip(refit, dense), mask.keep).contains { $1 && $0.0 != $0.1 })
        func error(_ candidate: Model) throws -> Double {
            let session = try InferenceSession(model: candidate, inputShapes: ["input": [count] + calibration.shape.dropFirst()])
            let reference = try InferenceSession(model: model, inputShapes: ["input": [count] + calibration.shape.dropFirst()])
            let (got, want) = (try session.run(["input": images])["logits"]!, try reference.run(["input": images])["logits"]!)
            return zip(got, want).reduce(0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) }
        }
        #expect(try error(recovered) < 0.5 * error(masks.apply(to: model)))
    }
}
