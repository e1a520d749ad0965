import SculptGraph
import SculptKernels

/// A node as the runtime runs it: possibly with a BatchNormalization folded into its weights,
/// a residual Add and an activation fused into its output.
struct FusedNode {
    var node: Node
    var name: String
    /// A tensor shaped like the output, added before the activation.
    var residual: String?
    /// A constant vector added along the last axis (a MatMul's bias).
    var bias: String?
    var activation: Activation = .identity
    /// Where the fused result goes (the output of the last node absorbed).
    var output: String
    /// The convolution kernel the caller chose for this node (a pattern-sparse layer's).
    var kernel: ConvolutionKernel?
}

/// Rewrites a shaped graph into the steps the runtime runs: BatchNormalization folded into the
/// preceding convolution, and residual adds and activations fused into the producer's output,
/// wherever the intermediate tensor has no other reader.
struct Fusion {
    private(set) var nodes = [FusedNode]()
    /// Constants after folding (BatchNorm-adjusted weights replace the originals under new names).
    private(set) var tensors: [String: TensorInfo]

    init(_ shaped: ShapedGraph) throws {
        tensors = shaped.tensors
        let graph = shaped.graph
        // Who reads each tensor (a node once per input slot; a graph output counts as a reader).
        var readers = [String: [Int]]()
        var producer = [String: Int]()
        for (i, node) in graph.nodes.enumerated() {
            for input in node.inputs where !input.isEmpty { readers[input, default: []].append(i) }
            for output in node.outputs { producer[output] = i }
        }
        for output in graph.outputs { readers[output.name, default: []].append(-1) }
        /// The only node reading `tensor`, if exactly one node (and no graph output) does.
        func soleReader(_ tensor: String) -> Int? {
            readers[tensor].flatMap { $0.count == 1 && $0[0] >= 0 ? $0[0] : nil }
        }
        /// SiLU written out, x · sigmoid(x): the Sigmoid and the Mul that read `tensor` and nothing else does.
        func siluReaders(_ tensor: String) -> (sigmoid: Int, product: Int)? {
            guard let r = readers[tensor], r.count == 2, r.allSatisfy({ $0 >= 0 }) else { return nil }
            for (s, m) in [(r[0], r[1]), (r[1], r[0])] where graph.nodes[s].opType == "Sigmoid" && graph.nodes[m].opType == "Mul" {
                let gate = graph.nodes[s].outputs[0]
                if soleReader(gate) == m && Set(graph.nodes[m].inputs) == [tensor, gate] { return (s, m) }
            }
            return nil
        }

        var absorbed = Set<Int>()
        for (index, node) in graph.nodes.enumerated() where !absorbed.contains(index) {
            var fused = FusedNode(node: node, name: graph.layerName(index), output: node.outputs.first ?? "")
            let fusesOutput = ["Conv", "Gemm", "MatMul", "BatchNormalization", "Add", "Sub", "Mul", "Div"].contains(node.opType)
                && node.outputs.count == 1
            if fusesOutput {
                if node.opType == "Conv", let next = soleReader(fused.output), graph.nodes[next].opType == "BatchNormalization",
                   graph.nodes[next].outputs.count == 1, foldBatchNorm(into: &fused, batchNorm: graph.nodes[next]) {
                    absorbed.insert(next)
                    fused.output = graph.nodes[next].outputs[0]
                }
                if node.opType == "MatMul", let next = soleReader(fused.output), graph.nodes[next].opType == "Add",
                   let other = graph.nodes[next].inputs.first(where: { $0 != fused.output }),
                   let bias = tensors[other], bias.constant != nil, bias.count == tensors[fused.output]?.shape.last,
                   bias.shape.count <= tensors[fused.output]?.shape.count ?? 0,
                   bias.shape.dropLast().allSatisfy({ $0 == 1 }) {
                    absorbed.insert(next)
                    fused.bias = other
                    fused.output = graph.nodes[next].outputs[0]
                }
                if ["Conv", "Gemm", "MatMul"].contains(node.opType), let next = soleReader(fused.output),
                   graph.nodes[next].opType == "Add",
                   let other = graph.nodes[next].inputs.first(where: { $0 != fused.output }),
                   graph.nodes[next].inputs.count == 2, tensors[other]?.constant == nil,
                   tensors[other]?.shape == tensors[fused.output]?.shape,
                   producer[other].map({ $0 < index }) ?? true {
                    // The residual must exist when this node runs, so only earlier producers qualify.
                    absorbed.insert(next)
                    fused.residual = other
                    fused.output = graph.nodes[next].outputs[0]
                }
                if let next = soleReader(fused.output), let activation = Activation(node: graph.nodes[next], tensors: tensors) {
                    absorbed.insert(next)
                    fused.activation = activation
                    fused.output = graph.nodes[next].outputs[0]
                } else if let silu = siluReaders(fused.output) {
                    absorbed.formUnion([silu.sigmoid, silu.product])
                    fused.activation = .silu
                    fused.output = graph.nodes[silu.product].outputs[0]
                }
            }
            nodes.append(fused)
        }
    }

    /// Folds an inference-mode BatchNormalization into the convolution's weights and bias.
    private mutating func foldBatchNorm(into fused: inout FusedNode, batchNorm: Node) -> Bool {
        let node = fused.node
        guard let weight = node.input(1).flatMap({ tensors[$0]?.constant?.floats }),
              let shape = node.input(1).flatMap({ tensors[$0]?.shape }),
              let parameters = try? (1...4).map({ i -> [Float] in
                  guard let values = batchNorm.input(i).flatMap({ tensors[$0]?.constant?.floats }) else { throw GraphError("") }
                  return values
              }) else { return false }
        let (gamma, beta, mean, variance) = (parameters[0], parameters[1], parameters[2], parameters[3])
        let epsilon = batchNorm.float("epsilon") ?? 1e-5
        let channels = shape[0], perChannel = weight.count / max(channels, 1)
        guard gamma.count == channels else { return false }
        let bias = node.input(2).flatMap { tensors[$0]?.constant?.floats } ?? [Float](repeating: 0, count: channels)
        var newWeight = weight, newBias = bias
        for c in 0..<channels {
            let scale = gamma[c] / (variance[c] + epsilon).squareRoot()
            for i in 0..<perChannel { newWeight[c * perChannel + i] *= scale }
            newBias[c] = (bias[c] - mean[c]) * scale + beta[c]
        }
        let weightName = "\(fused.name)::folded_weight", biasName = "\(fused.name)::folded_bias"
        tensors[weightName] = TensorInfo(constant: Tensor(shape: shape, floats: newWeight))
        tensors[biasName] = TensorInfo(constant: Tensor(shape: [channels], floats: newBias))
        fused.node.inputs = [node.inputs[0], weightName, biasName]
        return true
    }

    /// The fused nodes with the Conv nodes named in `kernels` running those kernels.
    func nodes(running kernels: [String: ConvolutionKernel]) throws -> [FusedNode] {
        var nodes = self.nodes
        for (name, kernel) in kernels {
            guard let index = nodes.firstIndex(where: { $0.name == name && $0.node.opType == "Conv" }) else {
                throw GraphError("the model has no convolution named '\(name)'")
            }
            nodes[index].kernel = kernel
        }
        return nodes
    }
}
