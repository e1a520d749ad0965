import ArgumentParser
import Foundation
import SculptData
import SculptGraph
import SculptRuntime

/// `sculpt run`: runs a model on inputs from an .npz and writes its outputs to another.
struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on the arrays of an .npz and write its outputs.",
        discussion: """
            The .npz holds one array per model input, named like the input; the model is planned \
            for their shapes. Outputs are written by output name (uncompressed .npz), or \
            summarized on stdout when --output is not given.
            """)

    @OptionGroup var model: ModelArgument

    @Option(help: "An .npz with one array per model input.")
    var input: String

    @Option(help: "Where to write the outputs (.npz).")
    var output: String?

    @Option(help: "Threads to run the model on.")
    var threads = 1

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let loaded = try model.load()
        let arrays = try NumPy.readArchive(contentsOf: URL(fileURLWithPath: input))
        let names = loaded.model.graph.runtimeInputs.map(\.name)
        for name in names where arrays[name] == nil {
            throw CommandError("\(input): no array named '\(name)' for the model's input (arrays: \(arrays.keys.sorted().joined(separator: ", ")))")
        }
        let session = try InferenceSession(model: loaded.model, inputShapes: Dictionary(uniqueKeysWithValues: names.map { ($0, arrays[$0]!.shape) }),
                                           threads: threads, kernels: loaded.kernels)
        let outputs = try session.run(Dictionary(uniqueKeysWithValues: names.map { ($0, arrays[$0]!.floats()) }))
        let results = session.outputs.map { (name: $0.name, array: NumPyArray(shape: $0.shape, elements: .float32(outputs[$0.name]!))) }
        if let output {
            try NumPy.writeArchive(results, to: URL(fileURLWithPath: output))
        } else {
            for result in results { print("\(result.name) \(result.array.shape)") }
        }
    }
}
