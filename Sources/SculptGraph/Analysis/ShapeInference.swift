/// Output shapes and types of one node from what is known of its inputs.
///
/// Every operator the runtime runs, and every operator the constant folder evaluates, has a rule
/// here; an operator without one is reported as unsupported, by node name.
enum ShapeInference {
    static let unary: Set<String> = [
        "Relu", "LeakyRelu", "Sigmoid", "HardSigmoid", "HardSwish", "Erf", "Tanh", "Sqrt", "Neg", "Abs",
        "Exp", "Log", "Floor", "Ceil", "Reciprocal", "Identity", "Dropout", "Clip", "Not",
    ]
    static let binary: Set<String> = ["Add", "Sub", "Mul", "Div", "Pow", "Equal", "Less", "Greater", "Mod", "Min", "Max"]
    static let comparisons: Set<String> = ["Equal", "Less", "Greater", "Not"]

    static func outputs(_ c: NodeContext) throws -> [TensorInfo] {
        let op = c.node.opType
        if unary.contains(op) {
            let x = try c.input(0)
            let type: DataType = comparisons.contains(op) ? .bool : x.dataType
            return [TensorInfo(shape: x.shape, dataType: type)]
        }
        if binary.contains(op) || op == "Sum" || op == "Where" {
            let all = try (0..<c.node.inputs.count).map { try c.input($0) }
            guard let shape = Broadcast.shape(all.map(\.shape)) else {
                throw c.error("input shapes \(all.map(\.shape)) do not broadcast")
            }
            let type: DataType = comparisons.contains(op) ? .bool : (op == "Where" ? all[1].dataType : all[0].dataType)
            return [TensorInfo(shape: shape, dataType: type)]
        }
        switch op {
        case "Conv": return [try convolution(c)]
        case "BatchNormalization":
            let x = try c.input(0)
            guard x.shape.count >= 2 else { throw c.error("input must have rank ≥ 2, has shape \(x.shape)") }
            for i in 1...4 where try c.shape(i) != [x.shape[1]] {
                throw c.error("input \(i) has shape \(try c.shape(i)), expected [\(x.shape[1])]")
            }
            return [TensorInfo(shape: x.shape, dataType: x.dataType)]
        case "MaxPool", "AveragePool":
            let x = try c.input(0)
            guard x.shape.count >= 3, let kernel = c.node.ints("kernel_shape") else {
                throw c.error("needs kernel_shape and an input of rank ≥ 3")
            }
            let geometry = try WindowGeometry(node: c.node, input: Array(x.shape[2...]), kernel: kernel, allowCeilMode: true)
            return [TensorInfo(shape: Array(x.shape[..<2]) + geometry.output, dataType: x.dataType)]
        case "GlobalAveragePool", "GlobalMaxPool":
            let x = try c.input(0)
            guard x.shape.count >= 3 else { throw c.error("input must have rank ≥ 3, has shape \(x.shape)") }
            return [TensorInfo(shape: Array(x.shape[..<2]) + Array(repeating: 1, count: x.shape.count - 2), dataType: x.dataType)]
        case "Flatten":
            let x = try c.input(0)
            // Flatten's axis lies in [-rank, rank]: a negative one counts from the end of the shape.
            let raw = c.node.int("axis") ?? 1, axis = raw < 0 ? raw + x.shape.count : raw
            guard axis >= 0 && axis <= x.shape.count else { throw c.error("axis \(raw) is out of range for rank \(x.shape.count)") }
            return [TensorInfo(shape: [x.shape[..<axis].reduce(1, *), x.shape[axis...].reduce(1, *)], dataType: x.dataType)]
        case "Reshape": return [try reshape(c)]
        case "Transpose":
            let x = try c.input(0)
            let perm = c.node.ints("perm") ?? Array((0..<x.shape.count).reversed())
            guard perm.sorted() == Array(0..<x.shape.count) else { throw c.error("perm \(perm) is not a permutation of the \(x.shape.count) axes") }
            return [TensorInfo(shape: perm.map { x.shape[$0] }, dataType: x.dataType)]
        case "Gemm": return [try gemm(c)]
        case "MatMul": return [try matMul(c)]
        case "Einsum": return [TensorInfo(shape: try einsum(c).outputShape, dataType: try c.input(0).dataType)]
        case "Concat":
            let all = try (0..<c.node.inputs.count).map { try c.input($0) }
            guard let first = all.first else { throw c.error("needs at least one input") }
            let axis = try c.axis(default: 0, rank: first.shape.count)
            var shape = first.shape
            shape[axis] = 0
            for info in all {
                guard info.shape.count == first.shape.count,
                      info.shape.indices.allSatisfy({ $0 == axis || info.shape[$0] == first.shape[$0] }) else {
                    throw c.error("input shapes \(all.map(\.shape)) do not concatenate along axis \(axis)")
                }
                shape[axis] += info.shape[axis]
            }
            return [TensorInfo(shape: shape, dataType: first.dataType)]
        case "Split":
            let x = try c.input(0)
            let axis = try c.axis(default: 0, rank: x.shape.count)
            return try splitSizes(c, length: x.shape[axis]).map { size in
                var shape = x.shape
                shape[axis] = size
                return TensorInfo(shape: shape, dataType: x.dataType)
            }
        case "Slice": return [TensorInfo(shape: try SliceRange.resolve(c).outputShape, dataType: try c.input(0).dataType)]
        case "Gather":
            let x = try c.input(0), indices = try c.input(1)
            let axis = try c.axis(default: 0, rank: x.shape.count)
            return [TensorInfo(shape: Array(x.shape[..<axis]) + indices.shape + Array(x.shape[(axis + 1)...]), dataType: x.dataType)]
        case "Shape":
            let rank = try c.shape(0).count
            let (start, end) = shapeRange(c, rank: rank)
            return [TensorInfo(shape: [max(0, end - start)], dataType: .int64)]
        case "Size": return [TensorInfo(shape: [], dataType: .int64)]
        case "Unsqueeze":
            let x = try c.input(0)
            let added = try c.node.ints("axes")?.count ?? c.integers(1, what: "axes").count
            let rank = x.shape.count + added
            guard let axes = try c.axes(inputIndex: 1, rank: rank), Set(axes).count == axes.count else {
                throw c.error("needs distinct axes")
            }
            var shape = [Int]()
            var source = x.shape.makeIterator()
            for axis in 0..<rank { shape.append(axes.contains(axis) ? 1 : source.next()!) }
            return [TensorInfo(shape: shape, dataType: x.dataType)]
        case "Squeeze":
            let x = try c.input(0)
            let axes = try c.axes(inputIndex: 1, rank: x.shape.count) ?? x.shape.indices.filter { x.shape[$0] == 1 }
            guard axes.allSatisfy({ x.shape[$0] == 1 }) else { throw c.error("cannot squeeze axes \(axes) of shape \(x.shape)") }
            return [TensorInfo(shape: x.shape.indices.filter { !axes.contains($0) }.map { x.shape[$0] }, dataType: x.dataType)]
        case "LayerNormalization":
            let x = try c.input(0)
            let axis = try c.axis(default: -1, rank: x.shape.count)
            let normalized = Array(x.shape[axis...])
            for i in 1..<min(3, c.node.inputs.count) where c.node.input(i) != nil {
                guard Broadcast.shape([try c.shape(i), normalized]) == normalized else {
                    throw c.error("input \(i) of shape \(try c.shape(i)) does not broadcast to the normalized shape \(normalized)")
                }
            }
            // Mean and InvStdDev keep the leading axes and reduce the normalized ones to 1.
            let statistics = Array(x.shape[..<axis]) + Array(repeating: 1, count: x.shape.count - axis)
            return [TensorInfo(shape: x.shape, dataType: x.dataType), TensorInfo(shape: statistics, dataType: .float),
                    TensorInfo(shape: statistics, dataType: .float)]
        case "Softmax":
            let x = try c.input(0)
            _ = try c.axis(default: c.opset >= 13 ? -1 : 1, rank: x.shape.count)
            return [TensorInfo(shape: x.shape, dataType: x.dataType)]
        case "ReduceMean", "ReduceSum", "ReduceProd", "ReduceMax", "ReduceMin", "ReduceL2":
            let x = try c.input(0)
            let keep = (c.node.int("keepdims") ?? 1) != 0
            let reduced = try c.reducedAxes(inputIndex: 1, rank: x.shape.count)
            var shape = [Int]()
            for (i, n) in x.shape.enumerated() {
                if !reduced.contains(i) { shape.append(n) } else if keep { shape.append(1) }
            }
            return [TensorInfo(shape: shape, dataType: x.dataType)]
        case "Pad":
            let x = try c.input(0)
            let pads = try padding(c, rank: x.shape.count)
            let shape = x.shape.indices.map { x.shape[$0] + pads.begin[$0] + pads.end[$0] }
            guard shape.allSatisfy({ $0 >= 0 }) else { throw c.error("pads \(pads) crop \(x.shape) below zero") }
            return [TensorInfo(shape: shape, dataType: x.dataType)]
        case "Cast":
            guard let to = c.node.int("to"), let type = DataType(rawValue: to) else { throw c.error("needs a valid 'to' type") }
            return [TensorInfo(shape: try c.shape(0), dataType: type)]
        case "Constant":
            return [TensorInfo(constant: try ConstantFolding.constantValue(c))]
        case "ConstantOfShape":
            let shape = try c.integers(0, what: "shape")
            guard shape.allSatisfy({ $0 >= 0 }) else { throw c.error("shape \(shape) has negative dimensions") }
            return [TensorInfo(shape: shape, dataType: c.node.tensor("value")?.dataType ?? .float)]
        case "Expand":
            let x = try c.input(0)
            let target = try c.integers(1, what: "shape")
            guard let shape = Broadcast.shape([x.shape, target]) else { throw c.error("cannot expand \(x.shape) to \(target)") }
            return [TensorInfo(shape: shape, dataType: x.dataType)]
        case "ScatterND":
            // Only folded (Swin's attention masks are built this way from constants): the output is the data's shape.
            let x = try c.input(0)
            return [TensorInfo(shape: x.shape, dataType: x.dataType)]
        case "Range":
            let x = try c.input(0)
            guard let start = c.inputs[0]?.constant?.floats?.first, let limit = c.optionalInput(1)?.constant?.floats?.first,
                  let delta = c.optionalInput(2)?.constant?.floats?.first, delta != 0 else {
                throw c.error("start, limit and delta must be known, non-zero delta")
            }
            let count = ((Double(limit) - Double(start)) / Double(delta)).rounded(.up)
            return [TensorInfo(shape: [Int(min(max(count, 0), 1e9))], dataType: x.dataType)]
        default:
            throw c.error("operator '\(c.node.domain.isEmpty ? "" : c.node.domain + ".")\(op)' is not supported")
        }
    }

    static func convolution(_ c: NodeContext) throws -> TensorInfo {
        let x = try c.input(0), w = try c.input(1)
        guard x.shape.count >= 3, w.shape.count == x.shape.count else {
            throw c.error("input \(x.shape) and weight \(w.shape) must have the same rank ≥ 3")
        }
        let groups = c.node.int("group") ?? 1
        guard groups > 0, x.shape[1] % groups == 0, w.shape[1] * groups == x.shape[1], w.shape[0] % groups == 0 else {
            throw c.error("weight \(w.shape) does not fit input \(x.shape) with \(groups) groups")
        }
        if let bias = c.optionalInput(2), bias.shape != [w.shape[0]] {
            throw c.error("bias has shape \(bias.shape), expected [\(w.shape[0])]")
        }
        let kernel = c.node.ints("kernel_shape") ?? Array(w.shape[2...])
        guard kernel == Array(w.shape[2...]) else { throw c.error("kernel_shape \(kernel) does not match the weight \(w.shape)") }
        let geometry = try WindowGeometry(node: c.node, input: Array(x.shape[2...]), kernel: kernel)
        return TensorInfo(shape: [x.shape[0], w.shape[0]] + geometry.output, dataType: x.dataType)
    }

    static func gemm(_ c: NodeContext) throws -> TensorInfo {
        let a = try c.input(0), b = try c.input(1)
        guard a.shape.count == 2, b.shape.count == 2 else { throw c.error("inputs must be matrices, are \(a.shape) and \(b.shape)") }
        let transA = c.node.int("transA") == 1, transB = c.node.int("transB") == 1
        let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        guard k == k2 else { throw c.error("inner dimensions differ: \(a.shape) and \(b.shape)") }
        if let bias = c.optionalInput(2), Broadcast.shape([bias.shape, [m, n]]) != [m, n] {
            throw c.error("C of shape \(bias.shape) does not broadcast to [\(m), \(n)]")
        }
        return TensorInfo(shape: [m, n], dataType: a.dataType)
    }

    static func matMul(_ c: NodeContext) throws -> TensorInfo {
        var a = try c.shape(0), b = try c.shape(1)
        guard !a.isEmpty, !b.isEmpty else { throw c.error("inputs must not be scalars") }
        let vectorA = a.count == 1, vectorB = b.count == 1
        if vectorA { a = [1] + a }
        if vectorB { b = b + [1] }
        guard a[a.count - 1] == b[b.count - 2] else { throw c.error("inner dimensions differ: \(try c.shape(0)) and \(try c.shape(1))") }
        guard let batch = Broadcast.shape([Array(a.dropLast(2)), Array(b.dropLast(2))]) else {
            throw c.error("batch dimensions of \(a) and \(b) do not broadcast")
        }
        var shape = batch + [a[a.count - 2], b[b.count - 1]]
        if vectorB { shape.removeLast() }
        if vectorA { shape.remove(at: shape.count - (vectorB ? 1 : 2)) }
        return TensorInfo(shape: shape, dataType: try c.input(0).dataType)
    }

    static func einsum(_ c: NodeContext) throws -> EinsumEquation {
        guard let equation = c.node.string("equation") else { throw c.error("needs an equation") }
        let shapes = try c.node.inputs.indices.map { try c.shape($0) }
        do {
            return try EinsumEquation(equation, shapes: shapes)
        } catch {
            throw c.error(error.reason)
        }
    }

    static func reshape(_ c: NodeContext) throws -> TensorInfo {
        let x = try c.input(0)
        var target = try c.integers(1, what: "the target shape")
        guard elementCount(target.map { max($0, 1) }) != nil else { throw c.error("target shape \(target) is absurd") }
        let allowZero = c.node.int("allowzero") == 1
        for (i, n) in target.enumerated() where n == 0 && !allowZero {
            guard i < x.shape.count else { throw c.error("shape \(target) copies dimension \(i), which the input \(x.shape) lacks") }
            target[i] = x.shape[i]
        }
        let inferred = target.indices.filter { target[$0] == -1 }
        guard inferred.count <= 1, target.allSatisfy({ $0 >= -1 }) else { throw c.error("invalid target shape \(target)") }
        if let i = inferred.first {
            let known = target.enumerated().filter { $0.offset != i }.map(\.element).reduce(1, *)
            guard known > 0, x.count % known == 0 else { throw c.error("cannot reshape \(x.shape) to \(target)") }
            target[i] = x.count / known
        }
        guard target.reduce(1, *) == x.count else { throw c.error("cannot reshape \(x.shape) (\(x.count) values) to \(target)") }
        return TensorInfo(shape: target, dataType: x.dataType)
    }

    static func splitSizes(_ c: NodeContext, length: Int) throws -> [Int] {
        let outputs = c.node.outputs.count
        var sizes: [Int]
        if let split = c.node.ints("split") {
            sizes = split
        } else if c.node.input(1) != nil {
            sizes = try c.integers(1, what: "split")
        } else {
            let parts = c.node.int("num_outputs") ?? outputs
            guard parts > 0 else { throw c.error("needs a positive number of outputs") }
            let chunk = (length + parts - 1) / parts
            sizes = (0..<parts).map { max(0, min(chunk, length - $0 * chunk)) }
        }
        guard sizes.count == outputs, sizes.allSatisfy({ $0 >= 0 }), sizes.reduce(0, +) == length else {
            throw c.error("split sizes \(sizes) do not divide length \(length) into \(outputs) outputs")
        }
        return sizes
    }

    /// Pad's amounts per axis, from the `pads` attribute (opset < 11) or input (with optional `axes`).
    static func padding(_ c: NodeContext, rank: Int) throws -> (begin: [Int], end: [Int]) {
        let raw = try c.node.ints("pads") ?? c.integers(1, what: "pads")
        let axes = try c.axes(inputIndex: 3, rank: rank) ?? Array(0..<rank)
        guard raw.count == 2 * axes.count else { throw c.error("pads \(raw) do not fit \(axes.count) axes") }
        guard raw.allSatisfy({ abs($0) < 1 << 30 }) else { throw c.error("pads \(raw) are absurd") }
        var begin = [Int](repeating: 0, count: rank), end = begin
        for (i, axis) in axes.enumerated() {
            begin[axis] = raw[i]
            end[axis] = raw[axes.count + i]
        }
        return (begin, end)
    }

    static func shapeRange(_ c: NodeContext, rank: Int) -> (Int, Int) {
        func clamp(_ v: Int) -> Int { min(max(v < 0 ? v + rank : v, 0), rank) }
        return (clamp(c.node.int("start") ?? 0), clamp(c.node.int("end") ?? rank))
    }
}

/// The resolved element ranges of a Slice node (starts, ends, axes and steps as inputs or attributes).
public struct SliceRange: Sendable, Equatable {
    /// Per input axis: the first element taken, the step between taken elements, and how many.
    public var starts: [Int]
    public var steps: [Int]
    public var outputShape: [Int]

    static func resolve(_ c: NodeContext) throws -> SliceRange {
        let shape = try c.shape(0)
        let rank = shape.count
        let startsRaw = try c.node.ints("starts") ?? c.integers(1, what: "starts")
        let endsRaw = try c.node.ints("ends") ?? c.integers(2, what: "ends")
        let axes = try c.axes(inputIndex: 3, rank: rank) ?? Array(0..<startsRaw.count)
        let stepsRaw = c.node.input(4) != nil ? try c.integers(4, what: "steps") : Array(repeating: 1, count: startsRaw.count)
        guard startsRaw.count == endsRaw.count, axes.count == startsRaw.count, stepsRaw.count == startsRaw.count,
              Set(axes).count == axes.count else {
            throw c.error("starts, ends, axes and steps have different lengths")
        }
        var range = SliceRange(starts: Array(repeating: 0, count: rank), steps: Array(repeating: 1, count: rank), outputShape: shape)
        for (i, axis) in axes.enumerated() {
            let n = shape[axis], step = stepsRaw[i]
            guard step != 0 else { throw c.error("a slice step is zero") }
            func resolve(_ v: Int, low: Int, high: Int) -> Int {
                let bounded = min(max(v, -n - 1), n + 1)
                return min(max(bounded < 0 ? bounded + n : bounded, low), high)
            }
            let start = step > 0 ? resolve(startsRaw[i], low: 0, high: n) : resolve(startsRaw[i], low: -1, high: n - 1)
            let end = step > 0 ? resolve(endsRaw[i], low: 0, high: n) : resolve(endsRaw[i], low: -1, high: n - 1)
            let count = step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step
            range.starts[axis] = start
            range.steps[axis] = step
            range.outputShape[axis] = max(0, count)
        }
        return range
    }
}
