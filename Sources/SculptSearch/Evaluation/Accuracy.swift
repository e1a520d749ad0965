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
        let scores = try Scores(model, kernels: kernels, on: data, dataName: dataName, batch: batch, threads: threads)
        var correct = 0, confidence = 0.0
        for i in 0..<data.count {
            let label = Int(data.labels[i])
            if scores.argmax(i) == label { correct += 1 }
            confidence += scores.probability(i, label)
        }
        return Accuracy(top1: data.count == 0 ? 0 : Double(correct) / Double(data.count), count: data.count, correct: correct,
                        confidence: data.count == 0 ? 0 : confidence / Double(data.count))
    }
}

/// A model's class scores (logits) for every image of a labelled set, one row per image.
public struct Scores: Sendable {
    public var values: [Float]
    public var classes: Int

    /// Runs `model` over `data` in batches; errors name the data file and what does not fit
    /// (image shape, outputs, labels out of range).
    public init(_ model: Model, kernels: [String: ConvolutionKernel] = [:], on data: LabelledData, dataName: String,
                batch: Int = 64, threads: Int = 1) throws {
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
        var values = [Float](), classes = 0
        var sessions = [Int: InferenceSession]()
        var start = 0
        while start < data.count {
            let size = min(batch, data.count - start)
            let session = try sessions[size] ?? InferenceSession(model: model, inputShapes: [input.name: [size] + imageShape],
                                                                  threads: threads, pinThreads: true,
                                                                  kernels: kernels)
            sessions[size] = session
            guard let count = session.outputs.first?.shape.last, session.outputs[0].count == size * count else {
                throw EvaluationError("the model's first output is not one score vector per image")
            }
            classes = count
            _ = session.inputBuffer(0).update(from: data.images[(start * perImage)..<((start + size) * perImage)])
            session.run()
            values += session.outputBuffer(0).prefix(size * classes)
            if let i = (start..<start + size).first(where: { data.labels[$0] < 0 || Int(data.labels[$0]) >= classes }) {
                throw EvaluationError("\(dataName): label \(data.labels[i]) of image \(i) is out of range for a model with \(classes) classes")
            }
            start += size
        }
        self.values = values
        self.classes = classes
    }

    /// The class image `i` scores highest.
    public func argmax(_ i: Int) -> Int {
        let row = i * classes
        var best = 0
        for c in 1..<classes where values[row + c] > values[row + best] { best = c }
        return best
    }

    /// Image `i`'s softmax probabilities, in doubles.
    public func probabilities(_ i: Int) -> [Double] {
        let row = values[(i * classes)..<((i + 1) * classes)]
        let top = Double(row.max()!)
        let exps = row.map { exp(Double($0) - top) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }

    /// Image `i`'s softmax probability of class `c`.
    public func probability(_ i: Int, _ c: Int) -> Double { probabilities(i)[c] }

    /// The mean over images of the Kullback–Leibler divergence of these scores' softmax from
    /// `reference`'s: what a pruned model loses against the dense one, in nats. Unlike top-1 it
    /// does not saturate on easy data, where every candidate keeps every image right.
    public func divergence(from reference: Scores) -> Double {
        precondition(reference.classes == classes && reference.values.count == values.count, "scores of the same images")
        let count = values.count / max(1, classes)
        guard count > 0 else { return 0 }
        var total = 0.0
        for i in 0..<count {
            let p = reference.probabilities(i), q = probabilities(i)
            for c in 0..<classes where p[c] > 0 { total += p[c] * (log(p[c]) - log(max(q[c], 1e-30))) }
        }
        return total / Double(count)
    }
}

/// Why a model cannot be evaluated on a data set, as one line.
public struct EvaluationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
