import Foundation
import SculptData
import SculptGraph
import SculptKernels

/// The masks of every pruned layer of a model, chosen by a CONFIG.
public struct ModelMasks: Sendable, Equatable {
    public var masks: [LayerMask]

    public init(masks: [LayerMask]) { self.masks = masks }

    /// Masks for `model` under `config`: the default pattern on every layer it applies to, the
    /// overrides on the layers they name (which must exist and accept their pattern).
    ///
    /// Channel pruning is decided per coupling group (`ChannelSelection.rates` says how a CONFIG
    /// maps onto groups); a channel-pruned group's masks, producers and followers, come together
    /// where its first producer runs.
    public static func select(model: Model, config: PruningConfig) throws -> ModelMasks {
        let shaped = try model.specialized()
        let layers = try shaped.prunableLayers()
        for (name, pattern) in config.layers.sorted(by: { $0.key < $1.key }) {
            guard let layer = layers.first(where: { $0.name == name }) else {
                throw PatternError.notApplicable(layer: name, reason: "no prunable layer has this name (`sculpt inspect` lists them)")
            }
            try layer.check(pattern)
        }
        let groups = shaped.couplingGroups()
        let channelRates = try ChannelSelection.rates(groups: groups, config: config, graph: shaped)
        let layersByName = Dictionary(layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        var masks = [LayerMask]()
        var pruned = Set<Int>()
        for layer in layers {
            if let id = layer.couplingGroup, let rate = channelRates[id] {
                if pruned.insert(id).inserted, let group = groups.first(where: { $0.id == id }) {
                    masks += try ChannelSelection.select(group: group, pattern: PatternConfig(family: .channels, rate: rate),
                                                         layers: layersByName, graph: shaped)
                }
                continue
            }
            let pattern = config.pattern(for: layer.name)
            guard pattern.family != .dense, pattern.family != .channels, layer.families.contains(pattern.family) else { continue }
            let weight = try layer.weightValues(in: model)
            guard pattern.family == .shape else {
                masks.append(try MaskSelection.select(layer, weight: weight, pattern: pattern))
                continue
            }
            let mask = try ShapeSelection.select(layer, weight: weight, pattern: pattern)
            masks.append(mask)
            // A removed filter is a removed channel: a BatchNorm right after it must output zero there too.
            if !mask.removedOutputs.isEmpty {
                for name in FollowerMasks.batchNorms(after: layer.name, graph: shaped) {
                    masks.append(try FollowerMasks.mask(follower: name, channels: layer.outputs, removed: mask.removedOutputs,
                                                        pattern: pattern, graph: shaped))
                }
            }
        }
        return ModelMasks(masks: masks)
    }

    /// `model` with every weight outside the masks zeroed (and the bias of removed outputs).
    public func apply(to model: Model) -> Model {
        var model = model
        for mask in masks {
            if let tensor = model.graph.initializers[mask.weight], var values = tensor.floats {
                for i in values.indices where !mask.keep[i] { values[i] = 0 }
                model.graph.initializers[mask.weight] = Tensor(shape: tensor.shape, floats: values)
            }
            if let bias = mask.bias, !mask.removedOutputs.isEmpty, let tensor = model.graph.initializers[bias], var values = tensor.floats {
                for channel in mask.removedOutputs { values[channel] = 0 }
                model.graph.initializers[bias] = Tensor(shape: tensor.shape, floats: values)
            }
        }
        return model
    }

    /// The sparse kernel of each convolution whose pattern our runtime accelerates, by node name.
    public var kernels: [String: ConvolutionKernel] {
        var kernels = [String: ConvolutionKernel]()
        for mask in masks {
            if let name = mask.kernel, let kernel = ConvolutionKernels.sparse.first(where: { $0.name == name }) { kernels[mask.layer] = kernel }
        }
        return kernels
    }

    /// Writes the masks as an `.npz` of uint8 arrays (1 = kept) named by initializer, shaped like
    /// the weights; removed outputs also mask the bias.
    public func write(to url: URL, shapes: [String: [Int]]) throws {
        var arrays = [(name: String, array: NumPyArray)]()
        for mask in masks {
            arrays.append((mask.weight, NumPyArray(shape: shapes[mask.weight] ?? [mask.keep.count], elements: .uint8(mask.keep.map { $0 ? 1 : 0 }))))
            if let bias = mask.bias, !mask.removedOutputs.isEmpty, let count = shapes[bias]?.first {
                var keep = [UInt8](repeating: 1, count: count)
                for channel in mask.removedOutputs { keep[channel] = 0 }
                arrays.append((bias, NumPyArray(shape: [count], elements: .uint8(keep))))
            }
        }
        try NumPy.writeArchive(arrays, to: url, compressed: true)
    }
}

extension PatternConfig {
    /// The kernel that turns this pattern's zeros into speed: groups of 16 filters are vectorized
    /// across their filters (channel-blocked tiles), groups of 4 share input loads in blocks of 4,
    /// other patterns run filter by filter. Nil for the families that run as dense layers
    /// (shape and channels, lowered; dense).
    public var sparseKernel: ConvolutionKernel? {
        switch family {
        case .dense, .shape, .channels: nil
        case .grouped, .connectivity:
            group % 16 == 0 ? ConvolutionKernels.patternSixteenBlocked
                : group % 4 == 0 ? ConvolutionKernels.patternBlocks : ConvolutionKernels.patternFilters
        case .kernel, .nm: ConvolutionKernels.patternFilters
        }
    }

    /// The kernel a convolution of `shape` pruned by this pattern runs on, its input arriving in
    /// `input`, as the runtime picks it: the variant of `sparseKernel` that reads that layout, or
    /// the dense kernel the runtime prefers. Its input layout may still differ from `input` (then
    /// the runtime converts the input first).
    public func kernel(for shape: ConvolutionShape, input: TensorLayout) -> ConvolutionKernel {
        sparseKernel.map { ConvolutionKernels.variant(of: $0, for: shape, input: input) }
            ?? ConvolutionKernels.preferred(for: shape, input: input)
    }
}
