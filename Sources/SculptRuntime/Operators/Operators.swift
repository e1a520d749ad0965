import SculptGraph
import SculptKernels

/// Builds the step that runs one node; called once per node while a plan is made.
typealias StepBuilder = @Sendable (FusedNode, PlanContext) throws -> () -> Void

/// The operators the runtime runs, by ONNX type. Shape-only operators (Shape, Constant, …) never
/// reach it: the planner folds them before running.
enum Operators {
    static let builders: [String: StepBuilder] = {
        var table: [String: StepBuilder] = [
            "Conv": convolution,
            "BatchNormalization": batchNormalization,
            "MaxPool": { try pooling(.max, $0, $1) },
            "AveragePool": { try pooling(.average, $0, $1) },
            "GlobalAveragePool": { try globalPooling(.average, $0, $1) },
            "GlobalMaxPool": { try globalPooling(.max, $0, $1) },
            "ReduceMean": { try reduce(.mean, $0, $1) },
            "ReduceMax": { try reduce(.max, $0, $1) },
            "ReduceL2": { try reduce(.l2, $0, $1) },
            "Gemm": gemm,
            "MatMul": matMul,
            "Einsum": einsum,
            "Transpose": transpose,
            "Concat": concat,
            "Split": split,
            "Slice": slice,
            "Gather": gather,
            "Expand": expand,
            "Pad": pad,
            "LayerNormalization": layerNormalization,
            "Softmax": softmax,
        ]
        for op in ["Relu", "LeakyRelu", "Clip", "Sigmoid", "HardSigmoid", "HardSwish", "Tanh", "Erf", "Sqrt", "Exp"] {
            table[op] = unary
        }
        for op in binaryOperators.keys { table[op] = binary }
        return table
    }()

    /// Operators that only reinterpret their input's memory: their output aliases it.
    static let views: Set<String> = ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Identity", "Dropout", "Cast"]

    /// Every operator the runtime accepts at run time.
    static var supported: Set<String> { Set(builders.keys).union(views) }

    static let binaryOperators: [String: BinaryOperator] = [
        "Add": .add, "Sub": .subtract, "Mul": .multiply, "Div": .divide, "Pow": .power, "Max": .maximum, "Min": .minimum,
    ]
}

extension FusedNode {
    func error(_ message: String) -> GraphError {
        GraphError("node '\(name)' (\(node.opType)): \(message)")
    }

    /// Input `index`, which must be present.
    func input(_ index: Int) throws -> String {
        guard let name = node.input(index) else { throw error("input \(index) is missing") }
        return name
    }
}
