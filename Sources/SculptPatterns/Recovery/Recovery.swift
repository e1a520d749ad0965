import SculptGraph
import SculptKernels
import SculptRuntime

/// Recovers a pruned model's accuracy on calibration images without training.
///
/// Layer by layer, in execution order, each masked convolution is compared with the dense model
/// on the calibration images, given the input that the already recovered layers before it now
/// produce. Two steps, each optional:
/// - **statistics**: every output channel's mean and spread are restored to the dense model's
///   (`StatisticsCorrection`). This is BatchNorm re-estimation: PyTorch's exporter folds each
///   BatchNorm into the convolution before it, and an unfolded one follows its convolution's
///   output unchanged, so re-estimating its statistics on the pruned activations is this same
///   per-channel affine map.
/// - **least squares**: the kept weights and the bias are re-fitted to the dense output
///   (`Reconstruction`), which supersedes the statistics' bias.
///
/// The dense model's activations are computed once per layer and kept, so that recovering many
/// configurations of one model (the search) pays for them once.
public final class Recovery {
    /// Which steps run.
    public struct Steps: OptionSet, Sendable, Hashable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        public static let statistics = Steps(rawValue: 1)
        public static let leastSquares = Steps(rawValue: 2)
        public static let all: Steps = [.statistics, .leastSquares]
    }

    public let dense: Model
    public let count: Int
    private let images: [Float], imageShape: [Int], input: String
    private let nodes: [String: Node], shapes: [String: [Int]]
    private var denseOutputs = [String: [Float]]()

    /// - Parameters:
    ///   - images: calibration images, `count` of them, each `imageShape` (C × H × W), NCHW.
    public init(dense: Model, images: [Float], imageShape: [Int], count: Int) throws {
        guard let input = dense.graph.runtimeInputs.first?.name else { throw PatternError.notApplicable(layer: dense.graph.name, reason: "the model has no input") }
        let shaped = try dense.specialized(inputShapes: [input: [count] + imageShape])
        self.dense = dense
        self.images = images
        self.imageShape = imageShape
        self.count = count
        self.input = input
        nodes = Dictionary(shaped.graph.nodes.indices.map { (shaped.graph.layerName($0), shaped.graph.nodes[$0]) },
                           uniquingKeysWith: { first, _ in first })
        var shapes = [String: [Int]]()
        for name in shaped.graph.nodes.flatMap({ $0.inputs + $0.outputs }) { shapes[name] = shaped.info(name)?.shape }
        self.shapes = shapes
    }

    /// The dense model with `masks` applied and the kept weights of each masked convolution or
    /// linear layer recovered.
    public func recover(_ masks: ModelMasks, steps: Steps = .all, rows: Int = 4096, ridge: Float = 1e-3) throws -> Model {
        var current = masks.apply(to: dense)
        guard !steps.isEmpty else { return current }
        let kernels = masks.kernels
        for mask in masks.masks {
            guard let node = nodes[mask.layer], let x = node.input(0), let y = node.outputs.first,
                  let inShape = shapes[x], let wShape = shapes[mask.weight],
                  var weight = current.graph.initializers[mask.weight]?.floats,
                  let (s, inputMajor) = try Self.shape(of: node, input: inShape, weight: wShape) else { continue }
            var keep = mask.keep
            if inputMajor {
                weight = MaskSelection.transposed(weight, rows: s.inChannels, columns: s.outChannels)
                keep = MaskSelection.transposed(keep, rows: s.inChannels, columns: s.outChannels)
            }
            let target = try denseOutput(y)
            var bias = mask.bias.flatMap { current.graph.initializers[$0]?.floats } ?? [Float](repeating: 0, count: s.outChannels)
            // A linear layer has one row per image: fewer images than twice its inputs would over-fit them.
            let refits = steps.contains(.leastSquares) && s.groups == 1 && (node.opType == "Conv" || s.batch >= 2 * (s.inChannels + 1))
            let names = (steps.contains(.statistics) ? [y] : []) + (refits && x != input ? [x] : [])
            let values = names.isEmpty ? [:] : try outputs(of: current, names, kernels: kernels)
            if steps.contains(.statistics) {
                StatisticsCorrection.correct(weight: &weight, bias: &bias, shape: s, keep: keep, output: values[y]!, target: target)
            }
            if refits {
                try Reconstruction.refit(&weight, bias: &bias, s, keep: keep, input: x == input ? images : values[x]!, target: target,
                                         rows: rows, ridge: ridge)
            }
            if inputMajor { weight = MaskSelection.transposed(weight, rows: s.outChannels, columns: s.inChannels) }
            current.graph.initializers[mask.weight] = Tensor(shape: wShape, floats: weight)
            if steps.contains(.statistics) || refits { current.setBias(bias, of: mask) }
        }
        return current
    }

    /// The layer as a convolution: a Conv's own shape, or a linear layer (Gemm without transposed
    /// input or scaling) as a 1x1 convolution on one pixel per image; `inputMajor` when its weight
    /// is stored [in][out]. Nil for other nodes.
    private static func shape(of node: Node, input: [Int], weight: [Int]) throws -> (ConvolutionShape, inputMajor: Bool)? {
        switch node.opType {
        case "Conv": return (try ConvolutionShape(node: node, input: input, weight: weight), false)
        case "Gemm" where input.count == 2 && weight.count == 2 && (node.int("transA") ?? 0) == 0
                && (node.float("alpha") ?? 1) == 1 && (node.float("beta") ?? 1) == 1:
            let inputMajor = (node.int("transB") ?? 0) == 0
            return (ConvolutionShape(batch: input[0], inChannels: input[1], outChannels: inputMajor ? weight[1] : weight[0],
                                     height: 1, width: 1, kernel: 1), inputMajor)
        default: return nil
        }
    }

    /// The dense model's values of tensor `name` on the images (computed once).
    private func denseOutput(_ name: String) throws -> [Float] {
        if let known = denseOutputs[name] { return known }
        let values = try outputs(of: dense, [name])[name]!
        denseOutputs[name] = values
        return values
    }

    /// Values of tensors `names` of `model` on the images, running only the nodes they need
    /// (masked convolutions on their sparse `kernels`).
    private func outputs(of model: Model, _ names: [String], kernels: [String: ConvolutionKernel] = [:]) throws -> [String: [Float]] {
        var model = model
        model.graph = model.graph.truncated(computing: names)
        let kept = Set(model.graph.nodes.map(\.name))
        let session = try InferenceSession(model: model, inputShapes: [input: [count] + imageShape],
                                           kernels: kernels.filter { kept.contains($0.key) })
        return try session.run([input: images])
    }
}

extension Model {
    /// Sets the bias of a masked layer, adding a bias input to a convolution or Gemm without one.
    mutating func setBias(_ values: [Float], of mask: LayerMask) {
        let name = mask.bias ?? mask.weight + ".bias"
        graph.initializers[name] = Tensor(shape: [values.count], floats: values)
        guard mask.bias == nil, let index = graph.nodes.firstIndex(where: { $0.inputs.count == 2 && $0.inputs[1] == mask.weight && ($0.opType == "Conv" || $0.opType == "Gemm") }) else { return }
        graph.nodes[index].inputs.append(name)
    }
}
