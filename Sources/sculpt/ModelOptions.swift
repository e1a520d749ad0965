import ArgumentParser
import Foundation
import SculptGraph
import SculptKernels
import SculptPatterns

/// The model argument shared by commands that read one.
struct ModelArgument: ParsableArguments {
    @Argument(help: "The model: an .onnx file, or a .sculpt file that `sculpt apply` or `sculpt prune` wrote.",
              completion: .file(extensions: ["onnx", "sculpt"]))
    var model: String

    /// A model and the kernels its pattern-sparse layers run with.
    struct Loaded {
        var model: Model
        var kernels: [String: ConvolutionKernel] = [:]
    }

    /// The parsed model; errors name the file. With `freeingBatch`, an input declared with a fixed
    /// batch (a batch-1 export) is declared symbolic where the graph computes for any batch
    /// (`Model.withBatchFreed`), so that images run in batches of any size; said on stderr.
    func load(freeingBatch: Bool = false) throws -> Loaded {
        var loaded = try parse()
        guard freeingBatch else { return loaded }
        do {
            if let freed = try loaded.model.withBatchFreed() {
                log("\(model): the input declares a fixed batch and the graph computes for any: images run in batches of any size")
                loaded.model = freed
            }
        } catch { throw CommandError("\(model): \(error)") }
        return loaded
    }

    private func parse() throws -> Loaded {
        let url = URL(fileURLWithPath: model)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw CommandError("\(model): no such file")
        }
        guard url.pathExtension == "sculpt" else { return Loaded(model: try Model(contentsOf: url)) }
        let (model, masks) = try SculptFile.read(contentsOf: url)
        return Loaded(model: model, kernels: masks.kernels)
    }
}
