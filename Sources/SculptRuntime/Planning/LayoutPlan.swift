import SculptGraph
import SculptKernels

/// Which tensors live channel-blocked, and the layout conversions the plan needs.
///
/// Convolutions write blocked outputs whenever their kernel can; what follows them keeps the
/// blocked layout as long as it can work on it (activations, same-shape or per-channel
/// arithmetic, BatchNorm, pooling). Anything else reads planar tensors, so a conversion is
/// inserted before the first reader that needs one, once per tensor; graph outputs are planar.
struct LayoutPlan {
    /// One step of the plan: a node, or a conversion of a tensor into the other layout.
    enum Step {
        case node(FusedNode)
        case convert(from: String, to: String, layout: TensorLayout)
    }

    private(set) var steps = [Step]()
    /// Tensors in the blocked layout (all others are planar).
    private(set) var blocked = Set<String>()
    /// What is known of every tensor, converted copies included.
    private(set) var tensors: [String: TensorInfo]
    /// View outputs and the tensor whose memory they share.
    private(set) var aliases = [String: String]()
    /// Each graph output's planar tensor.
    private(set) var outputs = [String: String]()
    /// The layout each convolution's input arrives in (before any conversion), by node name.
    private(set) var convolutionInputs = [String: TensorLayout]()
    /// Converted copies that a convolution reads as its input, and its node name.
    private(set) var convolutionInputCopies = [String: String]()
    private var converted = [String: String]()

    /// Operators that work on blocked tensors as well, element by element (their output takes
    /// their input's layout). Excluded: those that can turn the padded lanes into infinities
    /// or NaNs (Div, Pow, Sqrt), which a later convolution's zero weights would not cancel.
    static let elementwise: Set<String> = ["Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf"]
    static let arithmetic: Set<String> = ["Add", "Sub", "Mul", "Max", "Min"]
    static let pooling: Set<String> = ["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "BatchNormalization"]

    init(_ nodes: [FusedNode], tensors: [String: TensorInfo], graphOutputs: [String]) throws {
        self.tensors = tensors
        for fused in nodes {
            if Operators.views.contains(fused.node.opType) {
                aliases[fused.output] = resolve(try ensure(try fused.input(0), .planar))
                continue
            }
            var node = fused
            let outputLayout: TensorLayout
            if fused.node.opType == "Conv" {
                let x = try fused.input(0)
                convolutionInputs[fused.name] = layout(x)
                let kernel = try Operators.convolutionKernel(fused, tensors, input: layout(x))
                node.node.inputs[0] = try ensure(x, kernel.layouts.input)
                if node.node.inputs[0] != x { convolutionInputCopies[node.node.inputs[0]] = fused.name }
                outputLayout = kernel.layouts.output
            } else {
                outputLayout = keepsBlocked(fused) ? .blocked : .planar
                for (i, input) in fused.node.inputs.enumerated() where !input.isEmpty && tensors[input]?.constant == nil {
                    node.node.inputs[i] = try ensure(input, outputLayout == .blocked && layout(input) == .blocked ? .blocked : .planar)
                }
            }
            node.residual = try fused.residual.map { try ensure($0, outputLayout) }
            if outputLayout == .blocked { blocked.insert(node.output) }
            steps.append(.node(node))
        }
        for name in graphOutputs { outputs[name] = try ensure(resolve(name), .planar) }
    }

    func layout(_ name: String) -> TensorLayout { blocked.contains(name) ? .blocked : .planar }

    func resolve(_ name: String) -> String { aliases[name].map(resolve) ?? name }

    /// Floats the tensor occupies in its layout.
    func floats(_ name: String) -> Int {
        guard let info = tensors[name] else { return 0 }
        guard blocked.contains(name) else { return info.count }
        let s = info.shape
        return ChannelBlocks.floats(batch: s[0], channels: s[1], plane: s[2] * s[3])
    }

    /// Whether a (non-convolution) node can work on, and write, blocked tensors here.
    private func keepsBlocked(_ f: FusedNode) -> Bool {
        let op = f.node.opType
        guard f.node.outputs.count == 1, tensors[f.output]?.shape.count == 4 else { return false }
        let runtime = f.node.inputs.filter { !$0.isEmpty && tensors[$0]?.constant == nil }
        guard !runtime.isEmpty, runtime.allSatisfy({ layout(resolve($0)) == .blocked && aliases[$0] == nil }) else { return false }
        if Self.elementwise.contains(op) || Self.pooling.contains(op) { return true }
        guard Self.arithmetic.contains(op), let channels = tensors[f.output]?.shape[1] else { return false }
        // Runtime operands share the channels; constants are scalars or one value per channel ([1, C, 1, 1]).
        return f.node.inputs.filter { !$0.isEmpty }.allSatisfy { name in
            guard let info = tensors[name], info.shape.count <= 4 else { return false }
            if info.constant == nil { return info.shape.count == 4 && info.shape[1] == channels }
            return info.count == 1 || Array(repeating: 1, count: 4 - info.shape.count) + info.shape == [1, channels, 1, 1]
        }
    }

    /// `name` in `wanted`: itself, or a converted copy made (once) right before it is first needed.
    /// (A view keeps its own name and shape; its memory is its source's.)
    private mutating func ensure(_ name: String, _ wanted: TensorLayout) throws -> String {
        guard layout(resolve(name)) != wanted else { return name }
        if let copy = converted[name] { return copy }
        guard let info = tensors[name], info.shape.count == 4 else {
            throw GraphError("internal error: cannot convert '\(name)' to the \(wanted) layout")
        }
        let copy = "\(name)::\(wanted)"
        tensors[copy] = TensorInfo(shape: info.shape, dataType: info.dataType)
        if wanted == .blocked { blocked.insert(copy) }
        converted[name] = copy
        steps.append(.convert(from: name, to: copy, layout: wanted))
        return copy
    }
}
