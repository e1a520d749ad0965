import ArgumentParser
import Foundation
import SculptGraph
import SculptPatterns
import SculptSearch

/// `sculpt apply`: prunes a model with one configuration, the uniform baseline of every search.
struct Apply: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prune a model with a pattern configuration.",
        discussion: """
            CONFIG is a JSON file: a default pattern for every layer it applies to, and overrides by \
            ONNX node name, for example
              {"schemaVersion": 1,
               "default": {"family": "grouped", "keep": 4, "group": 4},
               "layers": {"/conv1/Conv": {"family": "dense"}}}
            Families: dense, kernel (keep), grouped (keep, group), connectivity (connectivity, \
            group), shape (rate), channels (rate), nm (n, m); see docs/patterns.md.

            Writes to DIR: pruned.onnx (for any engine: shape and channel patterns lowered to \
            smaller dense layers, other patterns as zeros), pruned.sculpt (for `sculpt eval` and \
            `sculpt bench`: packed sparse weights that our kernels run), masks.npz (a uint8 mask \
            per pruned initializer, for fine-tuning) and config.json (the configuration used).
            """)

    @OptionGroup var model: ModelArgument

    @Option(help: "The pattern configuration (JSON).", completion: .file(extensions: ["json"]))
    var config: String

    @Option(help: "The directory to write the pruned model to (created if missing).")
    var out: String

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        guard URL(fileURLWithPath: model.model).pathExtension == "onnx" else {
            throw CommandError("\(model.model): apply reads an .onnx model")
        }
        let original = try model.load().model
        let config = try PruningConfig.load(from: URL(fileURLWithPath: config))
        let directory = URL(fileURLWithPath: out, isDirectory: true)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw CommandError("\(out): cannot create the directory (\(error.localizedDescription))")
        }
        let result = try Pruning.apply(config, to: original, writingTo: directory)
        switch format {
        case .json: try printJSON(result)
        case .text:
            for layer in result.layers {
                print("\(padded(layer.name, 40)) \(padded(layer.pattern, 26)) kept \(String(format: "%5.1f", layer.density * 100)) %")
            }
            print("\(result.layers.count) layers pruned; MACs \(grouped(result.macs)) -> \(grouped(result.macsKept)) "
                  + "(\(String(format: "%.2f", Double(result.macs) / Double(max(result.macsKept, 1))))x fewer); written to \(out)")
        }
    }
}
