import SculptGraph
import SculptKernels
import SculptPatterns
import SculptRuntime

/// The layout each decision layer's input arrives in under a configuration, as the runtime plans
/// it, and the layouts it can arrive in under any.
///
/// A layer's latency depends on it (the kernel reads its input in another variant, or after a
/// conversion), and it depends on the choices before the layer: dense layers and groups of 16
/// write channel-blocked tensors, groups of 4 and PatDNN's patterns planar ones, and whatever
/// combines tensors (a residual Add) writes planar when any of them is. So a layer's input is
/// planar when the model makes it so whatever the choices (the model's input), or when one of
/// the layers it depends on writes planar. Which layers those are the runtime's layout plan
/// tells, asked once per decision layer that can write planar.
public struct LayerInputs: Sendable {
    /// The layouts each layer's input can arrive in; linear layers (no layouts) `[.blocked]`.
    public let possible: [[TensorLayout]]
    /// Layers whose input is planar whatever the choices.
    private let alwaysPlanar: [Bool]
    /// For each layer, the layers before it that make its input planar when they write planar.
    private let planarWhen: [[Int]]
    /// writesPlanar[l][c]: candidate c makes layer l write a planar output.
    public let writesPlanar: [[Bool]]
    /// Per layer, the kernel of its first candidate that writes planar, if one does: what the
    /// runtime's layout plan is asked with for the layer writing planar.
    public let planarKernels: [ConvolutionKernel?]

    public init(model: Model, layers: [PrunableLayer], allowed: [[Bool]]) throws {
        let plan = try ConvolutionInputLayouts(model)
        writesPlanar = zip(layers, allowed).map { layer, allowed in
            guard case .convolution(let shape) = layer.kind else { return allowed.map { _ in false } }
            return allowed.indices.map { c in
                guard allowed[c] else { return false }
                return SearchSpace.candidates[c].kernel(for: shape, input: .blocked).layouts.output == .planar
            }
        }
        planarKernels = writesPlanar.map { writes in writes.firstIndex(of: true).flatMap { SearchSpace.candidates[$0].sparseKernel } }
        func planarInputs(_ kernels: [String: ConvolutionKernel]) throws -> [Bool] {
            let inputs = try plan(kernels: kernels)
            return layers.map { inputs[$0.name] == .planar }
        }
        // Every layer dense, then one layer at a time on a candidate that writes planar.
        let alwaysPlanar = try planarInputs([:])
        self.alwaysPlanar = alwaysPlanar
        var planarWhen = [[Int]](repeating: [], count: layers.count)
        for (j, layer) in layers.enumerated() {
            guard let kernel = planarKernels[j] else { continue }
            for (l, planar) in try planarInputs([layer.name: kernel]).enumerated() where planar && !alwaysPlanar[l] {
                planarWhen[l].append(j)
            }
        }
        self.planarWhen = planarWhen
        possible = layers.indices.map { l in
            alwaysPlanar[l] ? [.planar] : planarWhen[l].isEmpty ? [.blocked] : [.blocked, .planar]
        }
    }

    /// The layout each layer's input arrives in under `choices` (nil: not chosen yet, taken as
    /// dense): exact for every layer whose earlier layers are chosen.
    public func callAsFunction(_ choices: [Int?]) -> [TensorLayout] {
        choices.indices.map { input(of: $0, choices) }
    }

    /// The layout layer `l`'s input arrives in under `choices` (those before `l` decide it).
    public func input(of l: Int, _ choices: [Int?]) -> TensorLayout {
        alwaysPlanar[l] || planarWhen[l].contains { writesPlanar[$0][choices[$0] ?? 0] } ? .planar : .blocked
    }

    public func callAsFunction(_ choices: [Int]) -> [TensorLayout] { self(choices.map(Optional.some)) }
}
