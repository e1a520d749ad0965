import Foundation
import SculptData
import SculptKernels

/// ONNX Runtime (from PyPI, through scripts/ort_run.py) as the reference for model outputs.
public enum ONNXRuntimeReference {
    /// Runs `model` on `inputs` (by input name) and returns every output by name.
    public static func outputs(model: URL, inputs: [String: NumPyArray], in directory: TemporaryDirectory) throws -> [String: NumPyArray] {
        let inputFile = directory.file("inputs-\(UUID().uuidString).npz")
        let outputFile = directory.file("outputs-\(UUID().uuidString).npz")
        try NumPy.writeArchive(inputs.sorted { $0.key < $1.key }.map { (name: $0.key, array: $0.value) }, to: inputFile)
        try runPython([Repository.path("scripts/ort_run.py").path, model.path, inputFile.path, outputFile.path],
                      in: directory.url)
        return try NumPy.readArchive(contentsOf: outputFile)
    }
}

/// max |actual − expected| / max |expected|: the error relative to the output's scale.
public func relativeError(_ actual: [Float], _ expected: [Float]) -> Float {
    precondition(actual.count == expected.count, "comparing \(actual.count) values with \(expected.count)")
    var difference: Float = 0, scale: Float = 0
    for (a, e) in zip(actual, expected) {
        difference = max(difference, abs(a - e))
        scale = max(scale, abs(e))
    }
    return difference / max(scale, .leastNormalMagnitude)
}

/// Deterministic pseudo-random floats in [-1, 1) (SplitMix64), so failures reproduce.
public func seededFloats(_ count: Int, seed: UInt64) -> [Float] {
    var random = SeededRandom(seed: seed)
    return (0..<count).map { _ in random.uniform(-1, 1) }
}
