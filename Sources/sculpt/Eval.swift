import ArgumentParser
import Foundation
import SculptData
import SculptGraph
import SculptRuntime

/// `sculpt eval`: top-1 accuracy of a model on labelled data.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's top-1 accuracy on labelled images.",
        discussion: """
            --data takes an .npz holding images (N×C×H×W float32, array 'x') and labels
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
        let loaded = try model.load()
        let dataset = try LabelledData(contentsOf: URL(fileURLWithPath: data), xName: xName, yName: yName,
                                       labelsURL: labels.map { URL(fileURLWithPath: $0) })
        let result = try Accuracy.evaluate(loaded, on: dataset, dataName: data, batch: batch, threads: threads)
        switch format {
        case .json: try printJSON(result)
        case .text: print("top-1 \(String(format: "%.4f", result.top1)) (\(result.correct) of \(result.count)) on \(data)")
        }
    }
}

/// Top-1 accuracy of a model over a labelled set.
struct Accuracy: Encodable {
    var top1: Double
    var count: Int
    var correct: Int

    /// Runs `model` over `data` in batches; errors name the data file and what does not fit.
    static func evaluate(_ loaded: ModelArgument.Loaded, on data: LabelledData, dataName: String, batch: Int, threads: Int) throws -> Accuracy {
        let model = loaded.model
        guard let input = model.graph.runtimeInputs.first, model.graph.runtimeInputs.count == 1 else {
            throw CommandError("the model must have exactly one input to be evaluated on images")
        }
        let imageShape = Array(data.shape.dropFirst())
        if let declared = input.shape {
            let expected = declared.dropFirst().map { dim -> Int? in if case .fixed(let n) = dim { n } else { nil } }
            guard expected.count == imageShape.count, zip(expected, imageShape).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw CommandError("\(dataName): images have shape \(imageShape), but the model's input '\(input.name)' expects [\(declared.dropFirst().map(\.description).joined(separator: ", "))]")
            }
        }
        let perImage = imageShape.reduce(1, *)
        var correct = 0
        var sessions = [Int: InferenceSession]()
        var start = 0
        while start < data.count {
            let size = min(batch, data.count - start)
            let session = try sessions[size] ?? InferenceSession(model: model, inputShapes: [input.name: [size] + imageShape],
                                                                  threads: threads, pinThreads: true,
                                                                  kernels: loaded.kernels)
            sessions[size] = session
            guard let classes = session.outputs.first?.shape.last, session.outputs[0].count == size * classes else {
                throw CommandError("the model's first output is not one score vector per image")
            }
            _ = session.inputBuffer(0).update(from: data.images[(start * perImage)..<((start + size) * perImage)])
            session.run()
            let scores = session.outputBuffer(0)
            for i in 0..<size {
                let label = Int(data.labels[start + i])
                guard label < classes else {
                    throw CommandError("\(dataName): label \(label) of image \(start + i) is out of range for a model with \(classes) classes")
                }
                var best = 0
                for c in 1..<classes where scores[i * classes + c] > scores[i * classes + best] { best = c }
                if best == label { correct += 1 }
            }
            start += size
        }
        return Accuracy(top1: data.count == 0 ? 0 : Double(correct) / Double(data.count), count: data.count, correct: correct)
    }
}
