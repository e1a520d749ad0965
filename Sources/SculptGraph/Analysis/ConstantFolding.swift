import Foundation

/// Evaluates nodes whose inputs are all known before running: the shape arithmetic that
/// exporters emit (Shape → Gather → Concat → Reshape) and small constant expressions.
///
/// This is a plain evaluator on `Float` and `Int64` arrays, not the runtime: it only sees
/// constants, which are small or touched once at load time.
enum ConstantFolding {
    /// Operators the evaluator handles.
    static let foldable: Set<String> = ShapeInference.unary.union(ShapeInference.binary).union([
        "Constant", "Cast", "Shape", "Size", "Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Slice",
        "Gather", "Concat", "Split", "Expand", "ConstantOfShape", "Range", "Where", "Sum", "ScatterND",
        "ReduceProd", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2",
    ]).subtracting(["HardSigmoid", "HardSwish", "LeakyRelu", "Clip"])

    /// The largest constant the folder materializes.
    static let maximumCount = 1 << 24

    /// Values of the outputs of `c.node`, whose shapes and types `infos` gives; nil when it cannot be folded.
    static func evaluate(_ c: NodeContext, infos: [TensorInfo]) throws -> [Tensor]? {
        let op = c.node.opType
        guard foldable.contains(op), infos.allSatisfy({ $0.count <= maximumCount && $0.dataType != .string }) else { return nil }
        if op == "Shape" || op == "Size" || op == "Constant" || op == "ConstantOfShape" || op == "Range" {
            return [try source(c, info: infos[0])]
        }
        let needed = c.node.inputs.indices.filter { c.node.input($0) != nil }
        guard needed.allSatisfy({ c.inputs[$0]?.constant != nil }) else { return nil }
        let values = c.inputs.map { $0?.constant.flatMap(Elements.init) }
        guard needed.allSatisfy({ values[$0] != nil }) else { return nil }
        let x = values[0]!
        let result: [Elements]
        switch op {
        case "Identity", "Dropout", "Reshape", "Flatten", "Squeeze", "Unsqueeze": result = [x]
        case "Cast": result = [infos[0].dataType.isFloatingPoint ? .float(x.floats) : .int(x.integers)]
        case "Transpose":
            let shape = c.inputs[0]!.shape
            let perm = c.node.ints("perm") ?? Array((0..<shape.count).reversed())
            result = [x.gathered(Layout.transposeSources(shape: shape, perm: perm))]
        case "Slice":
            let range = try SliceRange.resolve(c)
            result = [x.gathered(Layout.sliceSources(shape: c.inputs[0]!.shape, range: range))]
        case "Gather":
            let shape = c.inputs[0]!.shape
            let axis = try c.axis(default: 0, rank: shape.count)
            let indices = values[1]!.integers.map { Int(clamping: $0) }
            guard indices.allSatisfy({ $0 >= -shape[axis] && $0 < shape[axis] }) else {
                throw c.error("an index is out of range for axis \(axis) of \(shape)")
            }
            result = [x.gathered(Layout.gatherSources(shape: shape, axis: axis, indices: indices))]
        case "Concat":
            let shapes = c.inputs.map { $0!.shape }
            let axis = try c.axis(default: 0, rank: shapes[0].count)
            result = [Elements.concatenate(values.map { $0! }, shapes: shapes, axis: axis)]
        case "Split":
            let shape = c.inputs[0]!.shape
            let axis = try c.axis(default: 0, rank: shape.count)
            var offset = 0
            result = infos.map { info in
                var range = SliceRange(starts: Array(repeating: 0, count: shape.count), steps: Array(repeating: 1, count: shape.count), outputShape: info.shape)
                range.starts[axis] = offset
                offset += info.shape[axis]
                return x.gathered(Layout.sliceSources(shape: shape, range: range))
            }
        case "Expand":
            result = [x.gathered(Layout.broadcastSources(shape: c.inputs[0]!.shape, to: infos[0].shape))]
        case "ReduceProd", "ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2":
            result = [try reduce(c, x, shape: c.inputs[0]!.shape)]
        case "ScatterND":
            result = [try scatter(c, x, indices: values[1]!.integers, updates: values[2]!)]
        default:
            result = [try elementwise(c, values, outputShape: infos[0].shape)]
        }
        return zip(result, infos).map { $0.tensor(shape: $1.shape, type: $1.dataType) }
    }

    /// ScatterND without reduction: `data` with the slices that `indices` (… × k) address replaced by `updates`.
    static func scatter(_ c: NodeContext, _ data: Elements, indices: [Int64], updates: Elements) throws -> Elements {
        let shape = c.inputs[0]!.shape, k = c.inputs[1]!.shape.last ?? 0
        guard (c.node.string("reduction") ?? "none") == "none", k >= 1, k <= shape.count else {
            throw c.error("only ScatterND without reduction and with index depth 1...\(shape.count) is supported")
        }
        let slice = shape[k...].reduce(1, *)
        let strides = (0..<k).map { shape[($0 + 1)...].reduce(1, *) }
        // Which input each output element comes from: the data (index) or an update (count + index).
        var sources = Array(0..<data.count)
        for (u, start) in stride(from: 0, to: indices.count, by: k).enumerated() {
            var offset = 0
            for d in 0..<k {
                var i = Int(clamping: indices[start + d])
                if i < 0 { i += shape[d] }
                guard i >= 0 && i < shape[d] else { throw c.error("an index is out of range for axis \(d) of \(shape)") }
                offset += i * strides[d]
            }
            for j in 0..<slice { sources[offset + j] = data.count + u * slice + j }
        }
        return Elements.concatenate([data, updates], shapes: [[data.count], [updates.count]], axis: 0).gathered(sources)
    }

    /// Outputs that need no input values: constants, shapes, ranges.
    static func source(_ c: NodeContext, info: TensorInfo) throws -> Tensor {
        switch c.node.opType {
        case "Constant": return try constantValue(c)
        case "Shape":
            let shape = try c.shape(0)
            let (start, end) = ShapeInference.shapeRange(c, rank: shape.count)
            return Tensor(shape: info.shape, integers: (start < end ? shape[start..<end] : []).map { Int64($0) })
        case "Size": return Tensor(shape: [], integers: [Int64(try c.input(0).count)])
        case "ConstantOfShape":
            let fill = c.node.tensor("value") ?? Tensor.scalar(0)
            guard let element = Elements(fill), fill.count == 1 else { throw c.error("value must hold one number") }
            return element.gathered(Array(repeating: 0, count: info.count)).tensor(shape: info.shape, type: fill.dataType)
        default: // Range
            guard let start = c.inputs[0]?.constant.flatMap(Elements.init), let delta = c.inputs[2]?.constant.flatMap(Elements.init) else {
                throw c.error("start and delta must be known")
            }
            if info.dataType.isFloatingPoint {
                let s = start.floats[0], d = delta.floats[0]
                return Tensor(shape: info.shape, floats: (0..<info.count).map { s + Float($0) * d })
            }
            let s = start.integers[0], d = delta.integers[0]
            return Tensor(shape: info.shape, integers: (0..<info.count).map { s &+ Int64($0) &* d }, dataType: info.dataType)
        }
    }

    /// The value of a Constant node, from whichever attribute holds it.
    static func constantValue(_ c: NodeContext) throws -> Tensor {
        if let tensor = c.node.tensor("value") { return tensor }
        if let v = c.node.float("value_float"), c.node.attribute("value_float") != nil { return Tensor.scalar(v) }
        if let v = c.node.floats("value_floats") { return Tensor(shape: [v.count], floats: v) }
        if let v = c.node.int("value_int") { return Tensor(shape: [], integers: [Int64(v)]) }
        if let v = c.node.ints("value_ints") { return Tensor(shape: [v.count], integers: v.map { Int64($0) }) }
        throw c.error("has no value attribute this runtime understands")
    }

    static func elementwise(_ c: NodeContext, _ values: [Elements?], outputShape: [Int]) throws -> Elements {
        let op = c.node.opType
        let shapes = c.inputs.map { $0?.shape ?? [] }
        let operands = values.enumerated().map { i, v in v!.gathered(Layout.broadcastSources(shape: shapes[i], to: outputShape)) }
        let useFloat = operands.contains { if case .float = $0 { true } else { false } }
        if op == "Where" {
            let condition = operands[0].integers
            switch (operands[1], operands[2]) {
            case (.int(let a), .int(let b)): return .int(condition.indices.map { condition[$0] != 0 ? a[$0] : b[$0] })
            default:
                let a = operands[1].floats, b = operands[2].floats
                return .float(condition.indices.map { condition[$0] != 0 ? a[$0] : b[$0] })
            }
        }
        if operands.count == 1 {
            if !useFloat, let ints = try unaryInteger(op, operands[0].integers) { return .int(ints) }
            return .float(try operands[0].floats.map { try unaryFloat(op, $0, c) })
        }
        if op == "Sum" || op == "Min" || op == "Max" {
            let reduceOp = op == "Sum" ? "Add" : op
            return try operands.dropFirst().reduce(operands[0]) { try binary(reduceOp, $0, $1, float: useFloat, c) }
        }
        return try binary(op, operands[0], operands[1], float: useFloat, c)
    }

    static func unaryInteger(_ op: String, _ x: [Int64]) throws -> [Int64]? {
        switch op {
        case "Neg": x.map { 0 &- $0 }
        case "Abs": x.map { $0 == .min ? .max : abs($0) }
        case "Relu": x.map { max($0, 0) }
        case "Identity", "Floor", "Ceil": x
        case "Not": x.map { $0 == 0 ? 1 : 0 }
        default: nil
        }
    }

    static func unaryFloat(_ op: String, _ v: Float, _ c: NodeContext) throws -> Float {
        switch op {
        case "Relu": max(v, 0)
        case "Sigmoid": 1 / (1 + exp(-v))
        case "Erf": erf(v)
        case "Tanh": tanh(v)
        case "Sqrt": v.squareRoot()
        case "Neg": -v
        case "Abs": abs(v)
        case "Exp": exp(v)
        case "Log": log(v)
        case "Floor": v.rounded(.down)
        case "Ceil": v.rounded(.up)
        case "Reciprocal": 1 / v
        case "Identity", "Dropout": v
        case "Not": v == 0 ? 1 : 0
        default: throw c.error("cannot be folded")
        }
    }

    static func binary(_ op: String, _ a: Elements, _ b: Elements, float: Bool, _ c: NodeContext) throws -> Elements {
        if float {
            let x = a.floats, y = b.floats
            let f: (Float, Float) -> Float
            switch op {
            case "Add": f = { $0 + $1 }
            case "Sub": f = { $0 - $1 }
            case "Mul": f = { $0 * $1 }
            case "Div": f = { $0 / $1 }
            case "Pow": f = { pow($0, $1) }
            case "Mod": f = { fmod($0, $1) }
            case "Min": f = { min($0, $1) }
            case "Max": f = { max($0, $1) }
            case "Equal": f = { $0 == $1 ? 1 : 0 }
            case "Less": f = { $0 < $1 ? 1 : 0 }
            case "Greater": f = { $0 > $1 ? 1 : 0 }
            default: throw c.error("cannot be folded")
            }
            return .float(zip(x, y).map(f))
        }
        let x = a.integers, y = b.integers
        let f: (Int64, Int64) throws -> Int64
        switch op {
        case "Add": f = { $0 &+ $1 }
        case "Sub": f = { $0 &- $1 }
        case "Mul": f = { $0 &* $1 }
        case "Div", "Mod":
            f = { p, q in
                guard q != 0 else { throw c.error("integer division by zero") }
                guard !(p == .min && q == -1) else { return op == "Div" ? .min : 0 }
                return op == "Div" ? p / q : p % q
            }
        case "Pow": f = { p, q in q < 0 ? 0 : (0..<min(q, 64)).reduce(Int64(1)) { acc, _ in acc &* p } }
        case "Min": f = { min($0, $1) }
        case "Max": f = { max($0, $1) }
        case "Equal": f = { $0 == $1 ? 1 : 0 }
        case "Less": f = { $0 < $1 ? 1 : 0 }
        case "Greater": f = { $0 > $1 ? 1 : 0 }
        default: throw c.error("cannot be folded")
        }
        return .int(try zip(x, y).map(f))
    }

    static func reduce(_ c: NodeContext, _ x: Elements, shape: [Int]) throws -> Elements {
        let axes = try c.reducedAxes(inputIndex: 1, rank: shape.count)
        let reducedCount = axes.map { shape[$0] }.reduce(1, *)
        let groups = Layout.reductionGroups(shape: shape, axes: Set(axes))
        let values = x.floats
        let op = c.node.opType
        let result: [Float] = groups.map { group in
            let members = group.map { values[$0] }
            switch op {
            case "ReduceProd": return members.reduce(1, *)
            case "ReduceSum": return members.reduce(0, +)
            case "ReduceMean": return members.reduce(0, +) / Float(max(reducedCount, 1))
            case "ReduceMax": return members.max() ?? -.infinity
            case "ReduceL2": return members.reduce(0) { $0 + $1 * $1 }.squareRoot()
            default: return members.min() ?? .infinity
            }
        }
        if case .int = x { return .int(result.map { Int64($0) }) }
        return .float(result)
    }
}

/// Constant values as one of the two element kinds the folder computes with.
enum Elements {
    case float([Float])
    case int([Int64])

    init?(_ tensor: Tensor) {
        if tensor.dataType.isFloatingPoint, let values = tensor.floats {
            self = .float(values)
        } else if let values = tensor.integers {
            self = .int(values)
        } else {
            return nil
        }
    }

    var floats: [Float] {
        switch self {
        case .float(let v): v
        case .int(let v): v.map(Float.init)
        }
    }

    var integers: [Int64] {
        switch self {
        case .int(let v): v
        case .float(let v): v.map { $0.isFinite ? Int64(max(min($0, 9.2e18), -9.2e18)) : 0 }
        }
    }

    var count: Int {
        switch self {
        case .float(let v): v.count
        case .int(let v): v.count
        }
    }

    func gathered(_ sources: [Int]) -> Elements {
        switch self {
        case .float(let v): .float(sources.map { v[$0] })
        case .int(let v): .int(sources.map { v[$0] })
        }
    }

    func tensor(shape: [Int], type: DataType) -> Tensor {
        switch type {
        case .float: return Tensor(shape: shape, floats: floats)
        case .double, .float16, .bfloat16:
            // Folded results of wider or narrower float types are stored as float32 values.
            return Tensor(shape: shape, floats: floats)
        default:
            return Tensor(shape: shape, integers: type == .bool ? integers.map { $0 != 0 ? 1 : 0 } : integers,
                          dataType: type.isInteger ? type : .int64)
        }
    }

    static func concatenate(_ parts: [Elements], shapes: [[Int]], axis: Int) -> Elements {
        let outer = shapes[0][..<axis].reduce(1, *)
        let inner = shapes[0][(axis + 1)...].reduce(1, *)
        var sources = [(part: Int, index: Int)]()
        for o in 0..<outer {
            for (p, shape) in shapes.enumerated() {
                let block = shape[axis] * inner
                for i in 0..<block { sources.append((p, o * block + i)) }
            }
        }
        if parts.contains(where: { if case .float = $0 { true } else { false } }) {
            let values = parts.map(\.floats)
            return .float(sources.map { values[$0.part][$0.index] })
        }
        let values = parts.map(\.integers)
        return .int(sources.map { values[$0.part][$0.index] })
    }
}
