import ArgumentParser
import Foundation
import SculptGraph

/// The model argument shared by commands that read one.
struct ModelArgument: ParsableArguments {
    @Argument(help: "The model: an .onnx file.", completion: .file(extensions: ["onnx"]))
    var model: String

    /// The parsed model; errors name the file.
    func load() throws -> Model {
        let url = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CommandError("\(model): no such file")
        }
        return try Model(contentsOf: url)
    }
}
