import OrderedCollections

/// A graph specialized to concrete input shapes: every tensor's shape and type is known, and
/// everything computable before running (shape arithmetic, constants) is folded into initializers.
public struct ShapedGraph: Sendable {
    /// The nodes left to run, in a valid execution order, with folded constants as initializers.
    public var graph: Graph
    /// Shape, type and (for constants) value of every tensor the graph mentions.
    public var tensors: [String: TensorInfo]
    public var opset: Int

    public func info(_ name: String) -> TensorInfo? { tensors[name] }
}

extension Model {
    /// Shapes every tensor for the given input shapes and folds what can be computed before running.
    ///
    /// Inputs missing from `inputShapes` take their declared shape, with `batch` for a symbolic
    /// first dimension.
    public func specialized(inputShapes: [String: [Int]] = [:], batch: Int = 1) throws -> ShapedGraph {
        var tensors = [String: TensorInfo]()
        for (name, tensor) in graph.initializers { tensors[name] = TensorInfo(constant: tensor) }
        for input in graph.runtimeInputs {
            tensors[input.name] = TensorInfo(shape: try resolvedShape(of: input, given: inputShapes[input.name], batch: batch),
                                             dataType: input.elementType ?? .float)
        }
        if let unknown = inputShapes.keys.first(where: { name in !graph.runtimeInputs.contains { $0.name == name } }) {
            throw GraphError("the model has no input named '\(unknown)' (inputs: \(graph.runtimeInputs.map(\.name).joined(separator: ", ")))")
        }
        var kept = [Node]()
        for index in try graph.executionOrder() {
            let node = graph.nodes[index]
            let context = NodeContext(node: node, inputs: node.inputs.map { $0.isEmpty ? nil : tensors[$0] }, opset: opset)
            var outputs = try ShapeInference.outputs(context)
            for output in outputs where elementCount(output.shape) == nil {
                throw context.error("an output would have shape \(output.shape), which is negative or absurdly large")
            }
            guard outputs.count >= node.outputs.filter({ !$0.isEmpty }).count else {
                throw context.error("produces \(outputs.count) outputs but the node names \(node.outputs.count)")
            }
            if let folded = try ConstantFolding.evaluate(context, infos: outputs) {
                outputs = folded.map { TensorInfo(constant: $0) }
            } else {
                kept.append(node)
            }
            for (name, info) in zip(node.outputs, outputs) where !name.isEmpty { tensors[name] = info }
        }
        var shaped = graph
        shaped.nodes = Model.live(kept, outputs: graph.outputs.map(\.name))
        let used = Set(shaped.nodes.flatMap(\.inputs) + graph.outputs.map(\.name))
        shaped.initializers = OrderedDictionary(uniqueKeysWithValues: tensors.compactMap { name, info in
            info.constant != nil && used.contains(name) ? (name, info.constant!) : nil
        }.sorted { $0.0 < $1.0 })
        shaped.inputs = graph.runtimeInputs
        return ShapedGraph(graph: shaped, tensors: tensors, opset: opset)
    }

    private func resolvedShape(of input: ValueInfo, given: [Int]?, batch: Int) throws -> [Int] {
        guard let declared = input.shape else {
            guard let given else { throw GraphError("input '\(input.name)' has no declared shape; give one") }
            return given
        }
        if let given {
            guard elementCount(given) != nil else { throw GraphError("input '\(input.name)': shape \(given) is invalid") }
            guard given.count == declared.count, zip(given, declared).allSatisfy({ g, d in
                if case .fixed(let n) = d { return n == g } else { return g >= 0 }
            }) else {
                throw GraphError("input '\(input.name)' is declared as [\(declared.map(\.description).joined(separator: ", "))], not \(given)")
            }
            return given
        }
        let shape = try declared.enumerated().map { axis, dimension in
            switch dimension {
            case .fixed(let n): return n
            case .symbolic, .unknown:
                guard axis == 0 else {
                    throw GraphError("input '\(input.name)' has an unknown dimension \(axis) ('\(dimension)'); give its shape")
                }
                return batch
            }
        }
        guard elementCount(shape) != nil else { throw GraphError("input '\(input.name)' has an invalid declared shape \(shape)") }
        return shape
    }

    /// The nodes some graph output depends on, in their given order.
    private static func live(_ nodes: [Node], outputs: [String]) -> [Node] {
        var needed = Set(outputs)
        var keep = [Bool](repeating: false, count: nodes.count)
        for (i, node) in nodes.enumerated().reversed() where node.outputs.contains(where: needed.contains) {
            keep[i] = true
            needed.formUnion(node.inputs)
        }
        return nodes.indices.filter { keep[$0] }.map { nodes[$0] }
    }
}

extension Graph {
    /// Node indices in an order where every input is produced before it is read (file order when it already is).
    public func executionOrder() throws -> [Int] {
        var producer = [String: Int]()
        for (i, node) in nodes.enumerated() {
            for output in node.outputs where !output.isEmpty {
                guard producer[output] == nil else { throw GraphError("tensor '\(output)' is produced by two nodes ('\(layerName(producer[output]!))' and '\(layerName(i))')") }
                producer[output] = i
            }
        }
        let defined = Set(initializers.keys).union(inputs.map(\.name))
        var order = [Int]()
        var state = [UInt8](repeating: 0, count: nodes.count) // 0 new, 1 visiting, 2 done
        func visit(_ start: Int) throws {
            // Iterative depth-first search: deep graphs must not overflow the stack.
            var stack = [(node: start, next: 0)]
            state[start] = 1
            while let top = stack.last {
                let inputs = nodes[top.node].inputs
                if top.next < inputs.count {
                    stack[stack.count - 1].next += 1
                    let name = inputs[top.next]
                    guard !name.isEmpty, !defined.contains(name) || producer[name] != nil else { continue }
                    guard let p = producer[name] else {
                        throw GraphError("node '\(layerName(top.node))' reads '\(name)', which no node, input or initializer defines")
                    }
                    if state[p] == 1 { throw GraphError("the graph has a cycle through node '\(layerName(p))'") }
                    if state[p] == 0 {
                        state[p] = 1
                        stack.append((p, 0))
                    }
                } else {
                    state[top.node] = 2
                    order.append(top.node)
                    stack.removeLast()
                }
            }
        }
        for i in nodes.indices where state[i] == 0 { try visit(i) }
        for output in outputs where producer[output.name] == nil && !defined.contains(output.name) {
            throw GraphError("graph output '\(output.name)' is not produced by any node")
        }
        return order
    }
}
