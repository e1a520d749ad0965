import SculptGraph
import SculptKernels
import SculptPatterns
import SculptProfiles
import SculptRuntime

/// The layout conversions that a configuration makes the runtime insert and that no decision
/// layer's measurement includes, and the specs that measure them.
///
/// A layer's measurement includes the conversion of its own input when its kernel reads the other
/// layout (`LayerInputs`). Where tensors meet otherwise — a residual added to the output of a
/// layer that wrote the other layout, or pooling and the classifier reading what the last layer
/// wrote — the runtime converts one of them, and the dense model's rest of the model holds only
/// the dense model's conversions. On ResNet-20 configurations mixing groups of 4 (which write
/// planar) and groups of 16 (blocked) ran 4 % slower than equally estimated uniform ones
/// (2026-12-07), 0.005 ms of such conversions in one of 0.2 ms.
///
/// Which conversions a configuration makes follows from which decision layers write planar, and
/// the runtime's layout plan tells: asked once per such set.
public final class LayoutConversions {
    private let plan: ConvolutionInputLayouts
    private let layers: [PrunableLayer]
    private let inputs: LayerInputs
    /// The tensors in the model that a conversion may copy (batch, channels, height, width).
    private let shapes: [[Int]]
    private var known = [[Bool]: [LayoutConversion]]()

    public init(model: Model, layers: [PrunableLayer], inputs: LayerInputs) throws {
        plan = try ConvolutionInputLayouts(model)
        (self.layers, self.inputs) = (layers, inputs)
        let shaped = try model.specialized()
        shapes = Array(Set(shaped.tensors.values.filter { $0.constant == nil && $0.shape.count == 4 }.map(\.shape))).sorted {
            $0.lexicographicallyPrecedes($1)
        }
    }

    /// Every conversion a configuration can make: each 4-D tensor shape of the model, from
    /// either layout.
    public func all() -> [LayoutConversion] {
        shapes.flatMap { s in
            [TensorLayout.blocked, .planar].map { LayoutConversion(batch: s[0], channels: s[1], height: s[2], width: s[3], from: $0) }
        }
    }

    /// The conversions under `choices` that no decision layer's measurement includes.
    public func unpriced(_ choices: [Int]) throws -> [LayoutConversion] {
        let planar = choices.indices.map { inputs.writesPlanar[$0][choices[$0]] }
        if let conversions = known[planar] { return conversions }
        var kernels = [String: ConvolutionKernel]()
        for l in planar.indices where planar[l] { kernels[layers[l].name] = inputs.planarKernels[l] }
        let conversions = try plan.conversions(kernels: kernels).filter { conversion in
            !layers.contains { $0.name == conversion.convolution }
        }
        known[planar] = conversions
        return conversions
    }
}

extension LayoutConversion {
    /// What identifies the conversion's measurement in a `LatencyTable`: its shape and layout.
    public var key: String { "\(batch)x\(channels)x\(height)x\(width) from \(from)" }

    /// The spec that measures this conversion, on `threads` threads.
    public func spec(threads: Int) -> KernelSpec {
        KernelSpec(op: .reorder, inChannels: channels, outChannels: channels, height: height, width: width, threads: threads,
                   batch: batch, inputLayout: from)
    }
}
