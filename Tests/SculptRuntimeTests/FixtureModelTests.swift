import Foundation
import SculptData
import SculptGraph
import SculptRuntime
import SculptTestSupport
import Testing

/// Whole models exported by PyTorch (ResNets, VGG, MobileNets, ViT; opsets 13–18; both exporters)
/// give ONNX Runtime's outputs.
@Suite struct FixtureModelTests {
    static let models = (try? Repository.fixtureModels()) ?? []

    @Test(arguments: models, [1, 2])
    func matchesONNXRuntime(_ fixture: FixtureModel, threads: Int) throws {
        let model = try Model(contentsOf: fixture.url)
        let batch = 2
        let shape = [batch] + fixture.inputShape.dropFirst()
        let input = seededFloats(shape.reduce(1, *), seed: 7)
        let session = try InferenceSession(model: model, inputShapes: [fixture.inputName: shape], threads: threads)
        let ours = try session.run([fixture.inputName: input])
        let reference = try withTemporaryDirectory { directory in
            try ONNXRuntimeReference.outputs(model: fixture.url,
                                             inputs: [fixture.inputName: NumPyArray(shape: shape, elements: .float32(input))],
                                             in: directory)
        }
        let expected = try #require(reference[fixture.outputName]).floats()
        let actual = try #require(ours[fixture.outputName])
        #expect(session.outputs[0].shape == reference[fixture.outputName]!.shape)
        #expect(relativeError(actual, expected) <= 1e-4)
    }
}
