import SculptGraph
import SculptKernels
import SculptRuntime

/// A layer whose weight a pattern family can prune: a convolution or a linear layer with a
/// constant weight initializer.
public struct PrunableLayer: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case convolution(ConvolutionShape)
        /// `inputMajor`: the weight is stored [in][out] (MatMul, Gemm without transB), else [out][in].
        case linear(inFeatures: Int, outFeatures: Int, inputMajor: Bool)
    }

    /// The ONNX node name (as `sculpt inspect` prints it).
    public var name: String
    public var opType: String
    /// Initializer names of the weight and the bias.
    public var weight: String
    public var bias: String?
    public var kind: Kind
    public var macs: Int
    /// The coupling group of its output channels, when they can be pruned.
    public var couplingGroup: Int?

    public init(name: String, opType: String, weight: String, bias: String?, kind: Kind, macs: Int, couplingGroup: Int?) {
        self.name = name
        self.opType = opType
        self.weight = weight
        self.bias = bias
        self.kind = kind
        self.macs = macs
        self.couplingGroup = couplingGroup
    }

    /// Pattern families that apply to this layer.
    public var families: Set<PatternConfig.Family> {
        var families: Set<PatternConfig.Family> = [.dense]
        if couplingGroup != nil { families.insert(.channels) }
        switch kind {
        case .convolution(let s) where s.groups == 1:
            families.insert(.connectivity)
            if s.kernelHeight == 3 && s.kernelWidth == 3 { families.formUnion([.kernel, .grouped, .shape]) }
            if s.kernelHeight == 1 && s.kernelWidth == 1 { families.insert(.nm) }
        case .convolution: break
        case .linear: families.formUnion([.nm, .connectivity])
        }
        return families
    }

    /// Output channels (filters, or output features).
    public var outputs: Int {
        switch kind {
        case .convolution(let s): s.outChannels
        case .linear(_, let out, _): out
        }
    }

    /// The values of its weight in `model`; throws, naming the layer, when they are not floats.
    public func weightValues(in model: Model) throws(PatternError) -> [Float] {
        guard let values = model.graph.initializers[weight]?.floats else {
            throw .notApplicable(layer: name, reason: "its weight '\(weight)' is not a float tensor")
        }
        return values
    }

    /// Throws unless `pattern` applies to this layer, naming it and why.
    public func check(_ pattern: PatternConfig) throws(PatternError) {
        try pattern.validate()
        guard families.contains(pattern.family) else {
            let kind: String
            switch self.kind {
            case .convolution(let s): kind = "a \(s.kernelHeight)x\(s.kernelWidth) convolution with \(s.groups) group(s)"
            case .linear: kind = "a linear layer"
            }
            throw PatternError.notApplicable(layer: name, reason: "\(pattern.family.rawValue) patterns do not apply to \(kind)"
                                             + (pattern.family == .channels ? " whose channels cannot be removed" : ""))
        }
    }
}

extension ShapedGraph {
    /// Convolutions and linear layers with constant weight initializers, in execution order.
    public func prunableLayers() throws -> [PrunableLayer] {
        var groupOf = [String: Int]()
        for group in couplingGroups() where group.prunable {
            for producer in group.producers { groupOf[producer] = group.id }
        }
        let macs = Dictionary(costs().map { ($0.name, $0.macs) }, uniquingKeysWith: { a, _ in a })
        var layers = [PrunableLayer]()
        for index in try graph.executionOrder() {
            let node = graph.nodes[index], name = graph.layerName(index)
            guard let w = node.input(1), graph.initializers[w] != nil, let weight = tensors[w]?.shape,
                  let input = node.input(0).flatMap({ tensors[$0]?.shape }) else { continue }
            let bias = node.input(2).flatMap { graph.initializers[$0] == nil ? nil : $0 }
            let kind: PrunableLayer.Kind
            switch node.opType {
            case "Conv" where input.count == 4:
                kind = .convolution(try ConvolutionShape(node: node, input: input, weight: weight))
            case "Gemm" where weight.count == 2 && (node.int("transA") ?? 0) == 0:
                let transposed = (node.int("transB") ?? 0) == 1
                kind = .linear(inFeatures: transposed ? weight[1] : weight[0], outFeatures: transposed ? weight[0] : weight[1],
                               inputMajor: !transposed)
            case "MatMul" where weight.count == 2:
                kind = .linear(inFeatures: weight[0], outFeatures: weight[1], inputMajor: true)
            default: continue
            }
            layers.append(PrunableLayer(name: name, opType: node.opType, weight: w, bias: bias, kind: kind,
                                        macs: macs[name] ?? 0, couplingGroup: groupOf[name]))
        }
        return layers
    }
}
