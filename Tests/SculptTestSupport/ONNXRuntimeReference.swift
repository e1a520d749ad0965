import Foundation
import SculptData

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
