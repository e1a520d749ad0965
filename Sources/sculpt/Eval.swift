import ArgumentParser
import Foundation
import SculptData
import SculptGraph
import SculptRuntime
import SculptSearch

/// `sculpt eval`: top-1 accuracy of a model on labelled data.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's top-1 accuracy on labelled images.",
        discussion: """
            --data takes an .npz holding images (N×C×H×W float32, array 'x') and labels \
            (N integers, array 'y'), or an .npy of images with --labels naming an .npy of labels.
            """)

    @OptionGroup var model: ModelArgument

    @Option(help: "Labelled data: .npz with arrays x and y, or an .npy of images (see --labels).")
    var data: String

    @Option(help: "An .npy of labels, when --data is an .npy of images.")
    var labels: String?

    @Option(name: .customLong("x-name"), help: "Name of the image array in the .npz.")
    var xName = "x"

    @Option(name: .customLong("y-name"), help: "Name of the label array in the .npz.")
    var yName = "y"

    @Option(help: "Images per batch.")
    var batch = 64

    @Option(help: "Threads to run the model on.")
    var threads = 1

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard batch >= 1 else { throw ValidationError("--batch must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        let loaded = try model.load(freeingBatch: true)
        let dataset = try LabelledData(contentsOf: URL(fileURLWithPath: data), xName: xName, yName: yName,
                                       labelsURL: labels.map { URL(fileURLWithPath: $0) })
        let result = try Accuracy.evaluate(loaded.model, kernels: loaded.kernels, on: dataset, dataName: data, batch: batch, threads: threads)
        switch format {
        case .json: try printJSON(result)
        case .text: print("top-1 \(String(format: "%.4f", result.top1)) (\(result.correct) of \(result.count)) on \(data)")
        }
    }
}
