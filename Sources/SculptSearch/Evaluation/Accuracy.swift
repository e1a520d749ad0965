import Foundation
import SculptData
import SculptGraph
import SculptKernels
import SculptRuntime

/// Top-1 accuracy of a model over a labelled set.
public struct Accuracy: Codable, Sendable {
    public var top1: Double
    public var count: Int
    public var correct: Int
    /// The mean softmax probability of the true class: how confidently right the model is.
    public var confidence: Double

    /// Runs `model` over `data` in batches; errors name the data file and what does not fit.
    public static func evaluate(_ model: Model, kernels: [String: ConvolutionKernel] = [:], on data: LabelledData, dataName: String,
                                batch: Int = 64, threads: Int = 1) throws -> Accuracy {
        guard let input = model.graph.runtimeInputs.first, model.graph.runtimeInputs.count == 1 else {
            throw EvaluationError("the model must have exactly one input to be evaluated on images")
        }
        let imageShape = Array(data.shape.dropFirst())
        if let declared = input.shape {
            let expected = declared.dropFirst().map { dim -> Int? in if case .fixed(let n) = dim { n } else { nil } }
            guard expected.count == imageShape.count, zip(expected, imageShape).allSatisfy({ $0 == nil || $0 == $1 }) else {
                throw EvaluationError("\(dataName): images have shape \(imageShape), but the model's input '\(input.name)' expects [\(declared.dropFirst().map(\.description).joined(separator: ", "))]")
            }
        }
        let perImage = imageShape.reduce(1, *)
        var correct = 0, confidence = 0.0
        var sessions = [Int: InferenceSession]()
        var start = 0
        while start < data.count {
            let size = min(batch, data.count - start)
            let session = try sessions[size] ?? InferenceSession(model: model, inputShapes: [input.name: [size] + imageShape],
                                                                  threads: threads, pinThreads: true,
                                                                  kernels: kernels)
            sessions[size] = session
            guard let classes = session.outputs.first?.shape.last, session.outputs[0].count == size * classes else {
                throw EvaluationError("the model's first output is not one score vector per image")
            }
            _ = session.inputBuffer(0).update(from: data.images[(start * perImage)..<((start + size) * perImage)])
            session.run()
            let scores = session.outputBuffer(0)
            for i in 0..<size {
                let label = Int(data.labels[start + i])
                guard label < classes else {
                    throw EvaluationError("\(dataName): label \(label) of image \(start + i) is out of range for a model with \(classes) classes")
                }
                var best = 0
                for c in 1..<classes where scores[i * classes + c] > scores[i * classes + best] { best = c }
                if best == label { correct += 1 }
                let top = Double(scores[i * classes + best])
                let sum = (0..<classes).reduce(0.0) { $0 + exp(Double(scores[i * classes + $1]) - top) }
                confidence += exp(Double(scores[i * classes + label]) - top) / sum
            }
            start += size
        }
        return Accuracy(top1: data.count == 0 ? 0 : Double(correct) / Double(data.count), count: data.count, correct: correct,
                        confidence: data.count == 0 ? 0 : confidence / Double(data.count))
    }
}

/// Why a model cannot be evaluated on a data set, as one line.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
