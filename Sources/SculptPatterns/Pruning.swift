import Foundation
import SculptGraph

/// Applying a configuration to a model and writing every form of the result.
public enum Pruning {
    /// What `apply` did, per layer and in total.
    public struct Summary: Codable, Sendable {
        public struct Layer: Codable, Sendable {
            public var name: String
            public var pattern: String
            public var density: Double
            public var macs: Int
        }

        public var layers: [Layer]
        /// MACs of the dense model, and the ones pruned layers still compute (each layer's MACs × its density).
        public var macs: Int
        public var macsKept: Int
        public var params: Int
        public var paramsKept: Int
        /// The files written.
        public var outputs: [String: String]

        enum CodingKeys: String, CodingKey {
            case layers, macs, macsKept = "macs_kept", params, paramsKept = "params_kept", outputs
        }
    }

    /// Prunes `model` by `config` and writes pruned.onnx, pruned.sculpt, masks.npz and config.json into `directory`.
    public static func apply(_ config: PruningConfig, to model: Model, writingTo directory: URL) throws -> Summary {
        let masks = try ModelMasks.select(model: model, config: config)
        return try write(masks.apply(to: model), dense: model, masks: masks, config: config, to: directory)
    }

    /// Writes `masked` (`dense` with `masks` applied, its kept weights possibly re-fitted) as `apply` does.
    public static func write(_ masked: Model, dense model: Model, masks: ModelMasks, config: PruningConfig,
                             to directory: URL) throws -> Summary {
        let shaped = try model.specialized()
        let layers = try shaped.prunableLayers()
        let lowered = try Lowering.lower(masked, masks: masks)
        let files = ["onnx": "pruned.onnx", "sculpt": "pruned.sculpt", "masks": "masks.npz", "config": "config.json"]
        try lowered.write(to: directory.appendingPathComponent(files["onnx"]!))
        try SculptFile.write(masked, masks: masks, to: directory.appendingPathComponent(files["sculpt"]!))
        try masks.write(to: directory.appendingPathComponent(files["masks"]!),
                        shapes: model.graph.initializers.reduce(into: [:]) { $0[$1.key] = $1.value.shape })
        try config.write(to: directory.appendingPathComponent(files["config"]!))

        let costs = shaped.costs()
        let macs = costs.reduce(0) { $0 + $1.macs }, params = costs.reduce(0) { $0 + $1.parameters }
        var summary = Summary(layers: [], macs: macs, macsKept: macs, params: params, paramsKept: params,
                              outputs: files.mapValues { directory.appendingPathComponent($0).path })
        for mask in masks.masks {
            let layerMACs = layers.first { $0.name == mask.layer }?.macs ?? 0
            let removed = mask.keep.count - mask.keptCount
            summary.macsKept -= layerMACs - Int((Double(layerMACs) * mask.density).rounded())
            summary.paramsKept -= removed
            summary.layers.append(.init(name: mask.layer, pattern: mask.pattern.description, density: mask.density, macs: layerMACs))
        }
        return summary
    }
}
