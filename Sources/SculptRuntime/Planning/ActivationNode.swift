import SculptGraph
import SculptKernels

extension Activation {
    /// The activation a pointwise node computes, or nil when the node is not one.
    init?(node: Node, tensors: [String: TensorInfo]) {
        func constant(_ index: Int) -> Float? {
            node.input(index).flatMap { tensors[$0]?.constant?.floats?.first }
        }
        switch node.opType {
        case "Relu": self = .relu
        case "LeakyRelu": self = .leakyRelu(alpha: node.float("alpha") ?? 0.01)
        case "Clip":
            // Opset < 11 keeps the bounds in attributes, later opsets in optional constant inputs.
            let lo = node.float("min") ?? constant(1) ?? -.greatestFiniteMagnitude
            let hi = node.float("max") ?? constant(2) ?? .greatestFiniteMagnitude
            if (node.input(1) != nil && constant(1) == nil) || (node.input(2) != nil && constant(2) == nil) { return nil }
            self = .clip(min: lo, max: hi)
        case "Sigmoid": self = .sigmoid
        case "HardSigmoid": self = .hardSigmoid(alpha: node.float("alpha") ?? 0.2, beta: node.float("beta") ?? 0.5)
        case "HardSwish": self = .hardSwish
        case "Tanh": self = .tanh
        case "Erf": self = .erf
        case "Sqrt": self = .sqrt
        case "Exp": self = .exp
        default: return nil
        }
    }
}
