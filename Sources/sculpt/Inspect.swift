import ArgumentParser
import Foundation
import SculptGraph
import SculptSearch

/// `sculpt inspect`: the layers of a model with their shapes and costs.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a model's layers, shapes, MACs, parameters and channel coupling groups.",
        discussion: """
            MACs count the multiply-accumulates of convolutions and matrix products for one input \
            (batch 1), the usual way model sizes are quoted. Layers in the same coupling group must \
            have their output channels pruned together (residual adds, depthwise convolutions).
            """)

    @OptionGroup var model: ModelArgument

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let loaded = try model.load().model
        let shaped = try loaded.specialized(batch: 1)
        let costs = shaped.costs()
        let groups = shaped.couplingGroups()
        var groupOf = [String: Int]()
        for group in groups { for name in group.producers + group.followers { groupOf[name] = group.id } }
        let layers = costs.filter(\.isLayer)
        let report = InspectReport(
            model: model.model, opset: loaded.opset, producer: loaded.producerName,
            inputs: shaped.graph.inputs.map { TensorReport(name: $0.name, shape: shaped.tensors[$0.name]?.shape ?? []) },
            outputs: shaped.graph.outputs.map { TensorReport(name: $0.name, shape: shaped.tensors[$0.name]?.shape ?? []) },
            macs: costs.map(\.macs).reduce(0, +), params: costs.map(\.parameters).reduce(0, +),
            activationBytes: costs.map(\.activationBytes).reduce(0, +), nodes: shaped.graph.nodes.count,
            layers: layers.map { LayerReport($0, group: groupOf[$0.name]) },
            groups: groups.map { GroupReport(id: $0.id, channels: $0.channels, prunable: $0.prunable, layers: $0.producers, followers: $0.followers) })
        switch format {
        case .json: try printJSON(report)
        case .text: print(report.table)
        }
    }
}

struct TensorReport: Encodable {
    var name: String
    var shape: [Int]
}

struct LayerReport: Encodable {
    var name: String
    var op: String
    var inputShape: [Int]
    var outputShape: [Int]
    var macs: Int
    var params: Int
    var activationBytes: Int
    var group: Int?

    init(_ cost: LayerCost, group: Int?) {
        name = cost.name
        op = cost.opType
        inputShape = cost.inputShape
        outputShape = cost.outputShape
        macs = cost.macs
        params = cost.parameters
        activationBytes = cost.activationBytes
        self.group = group
    }

    enum CodingKeys: String, CodingKey {
        case name, op, macs, params, group
        case inputShape = "input_shape", outputShape = "output_shape", activationBytes = "activation_bytes"
    }
}

struct GroupReport: Encodable {
    var id: Int
    var channels: Int
    var prunable: Bool
    var layers: [String]
    var followers: [String]
}

struct InspectReport: Encodable {
    var model: String
    var opset: Int
    var producer: String
    var inputs: [TensorReport]
    var outputs: [TensorReport]
    var macs: Int
    var params: Int
    var activationBytes: Int
    var nodes: Int
    var layers: [LayerReport]
    var groups: [GroupReport]

    enum CodingKeys: String, CodingKey {
        case model, opset, producer, inputs, outputs, macs, params, nodes, layers, groups
        case activationBytes = "activation_bytes"
    }

    var table: String {
        let nameWidth = min(48, max(5, layers.map(\.name.count).max() ?? 0))
        var lines = ["\(model): opset \(opset), \(nodes) nodes, \(layers.count) layers"]
        for input in inputs { lines.append("input  \(input.name) \(input.shape)") }
        for output in outputs { lines.append("output \(output.name) \(output.shape)") }
        lines.append("")
        lines.append(padded("layer", nameWidth) + "  " + padded("op", 18) + padded("output", 20)
                     + padded("MACs", 15, right: true) + padded("params", 12, right: true) + "  group")
        for layer in layers {
            let name = layer.name.count > nameWidth ? "…" + layer.name.suffix(nameWidth - 1) : layer.name
            lines.append(padded(String(name), nameWidth) + "  " + padded(layer.op, 18) + padded("\(layer.outputShape)", 20)
                         + padded(grouped(layer.macs), 15, right: true) + padded(grouped(layer.params), 12, right: true)
                         + "  " + (layer.group.map(String.init) ?? "-"))
        }
        lines.append("")
        lines.append("total: \(grouped(macs)) MACs (\(String(format: "%.3f", Double(macs) / 1e9)) G), \(grouped(params)) parameters, \(grouped(activationBytes)) activation bytes")
        let prunable = groups.filter(\.prunable)
        lines.append("coupling groups: \(groups.count) (\(prunable.count) prunable)")
        return lines.joined(separator: "\n")
    }
}
