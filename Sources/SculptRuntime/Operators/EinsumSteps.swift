import SculptGraph
import SculptKernels

extension Operators {
    /// Einsum: letters that one operand alone has and the output lacks are summed out of it first;
    /// then operands are contracted pair by pair, left to right, each pair as one batched matrix
    /// product (see `EinsumPlan.contract`). A single operand is summed and transposed into place.
    static func einsum(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let equation = try c.shaped.einsum(f.node)
        var plan = EinsumPlan(equation: equation, context: c)
        var operands = try equation.inputs.indices.map { i in
            let name = try f.input(i)
            return EinsumOperand(letters: equation.inputs[i], shape: c.shape(name), data: try c.pointer(name))
        }
        let output = try c.pointer(f.output)
        for i in operands.indices {
            let elsewhere = Set(equation.output + operands.indices.filter { $0 != i }.flatMap { operands[$0].letters })
            let kept = operands.count == 1 ? equation.output : operands[i].letters.filter(elsewhere.contains)
            guard operands.count == 1 || kept.count < operands[i].letters.count else { continue }
            operands[i] = plan.sum(operands[i], keeping: kept, into: operands.count == 1 ? output : nil)
        }
        while operands.count > 1 {
            let a = operands.removeFirst(), b = operands.removeFirst()
            operands.insert(plan.contract(a, b, later: operands, into: operands.isEmpty ? output : nil), at: 0)
        }
        let steps = plan.steps
        return { for step in steps { step() } }
    }
}

/// An Einsum operand: memory, and per letter its size and element stride (0 along an axis of size 1,
/// so that it broadcasts).
struct EinsumOperand {
    var letters: [Character]
    var shape: [Int]
    var data: UnsafeMutablePointer<Float>

    var strides: [Int] { Broadcast.strides(of: shape, in: shape) }

    func size(_ letter: Character) -> Int { letters.firstIndex(of: letter).map { shape[$0] } ?? 1 }

    func stride(_ letter: Character) -> Int { letters.firstIndex(of: letter).map { strides[$0] } ?? 0 }

    /// The one stride that walks `group` (with these extents) as a single axis, or nil when its
    /// letters are not laid out one inside the other.
    func stride(of group: [Character], extents: [Character: Int]) -> Int? {
        let axes = group.filter { extents[$0]! > 1 }
        for (outer, inner) in zip(axes, axes.dropFirst()) where stride(outer) != stride(inner) * extents[inner]! {
            return nil
        }
        return axes.last.map { stride($0) } ?? 0
    }
}

/// The steps of one Einsum node, and the buffers they need, built while the node is planned.
struct EinsumPlan {
    let equation: EinsumEquation
    let context: PlanContext
    private(set) var steps = [() -> Void]()

    /// Products with fewer multiply-accumulates than this per batch run by the plain definition.
    static let smallProduct = 512

    init(equation: EinsumEquation, context: PlanContext) {
        self.equation = equation
        self.context = context
    }

    /// `x` with every letter outside `kept` summed out, its axes in the order of `kept`, written to
    /// `destination` (a new buffer if nil).
    mutating func sum(_ x: EinsumOperand, keeping kept: [Character], into destination: UnsafeMutablePointer<Float>?) -> EinsumOperand {
        let summed = x.letters.filter { !kept.contains($0) }
        let shape = kept.map(x.size), rows = shape.reduce(1, *), size = summed.map(x.size).reduce(1, *)
        let target = destination ?? context.allocate(rows)
        if summed.isEmpty {
            steps.append(copy(x, order: kept, extents: shape, to: target))
        } else {
            let source = arranged(x, order: kept + summed, extents: shape + summed.map(x.size))
            let pool = context.pool
            steps.append { RowReduction.run(.sum, rows: rows, size: size, input: source, output: target, pool: pool) }
        }
        return EinsumOperand(letters: kept, shape: shape, data: target)
    }

    /// The product of `a` and `b`, keeping the letters that `later` operands or the output still
    /// need, written to `destination` (the node's output, in the output's order) or a new buffer.
    ///
    /// Letters of both that stay are the batch; letters of one alone are the rows (from `a`) or the
    /// columns (from `b`); letters of both that go are the depth. Each operand is read through its
    /// strides, or copied into batch-rows-depth order when a group's letters are not nested.
    mutating func contract(_ a: EinsumOperand, _ b: EinsumOperand, later: [EinsumOperand],
                           into destination: UnsafeMutablePointer<Float>?) -> EinsumOperand {
        let needed = Set(equation.output + later.flatMap(\.letters))
        // Final products follow the output's order, so that they can be written in place.
        let order = destination == nil ? a.letters + b.letters.filter { !a.letters.contains($0) } : equation.output
        let batch = order.filter { a.letters.contains($0) && b.letters.contains($0) && needed.contains($0) }
        var rows = order.filter { a.letters.contains($0) && !b.letters.contains($0) }
        var columns = order.filter { b.letters.contains($0) && !a.letters.contains($0) }
        let depth = a.letters.filter { b.letters.contains($0) && !needed.contains($0) }
        var (left, right) = (a, b)
        if destination != nil && equation.output != batch + rows + columns && equation.output == batch + columns + rows {
            // Cᵀ = Bᵀ·Aᵀ: swapping the operands writes the output's order directly.
            (left, right, rows, columns) = (b, a, columns, rows)
        }
        var extents = [Character: Int]()
        for letter in Set(a.letters + b.letters) { extents[letter] = max(a.size(letter), b.size(letter)) }
        func product(_ group: [Character]) -> Int { group.map { extents[$0]! }.reduce(1, *) }

        if left.stride(of: rows, extents: extents) == nil || left.stride(of: depth, extents: extents) == nil {
            left = contiguous(left, order: batch + rows + depth, extents: extents)
        }
        if right.stride(of: columns, extents: extents) == nil || right.stride(of: depth, extents: extents) == nil {
            right = contiguous(right, order: batch + depth + columns, extents: extents)
        }
        let batchShape = batch.map { extents[$0]! }
        let matmul = BatchedMatMul(
            batch: product(batch), m: product(rows), n: product(columns), k: product(depth),
            aOffsets: BatchedMatMul.offsets(shape: batchShape, strides: batch.map { left.stride($0) }),
            bOffsets: BatchedMatMul.offsets(shape: batchShape, strides: batch.map { right.stride($0) }),
            aStrides: (row: left.stride(of: rows, extents: extents)!, depth: left.stride(of: depth, extents: extents)!),
            bStrides: (column: right.stride(of: columns, extents: extents)!, depth: right.stride(of: depth, extents: extents)!))
        let letters = batch + rows + columns, count = product(letters)
        let inPlace = destination != nil && letters == equation.output
        let target = inPlace ? destination! : context.allocate(count)
        let (x, y) = (UnsafePointer(left.data), UnsafePointer(right.data))
        if matmul.m * matmul.n * matmul.k < Self.smallProduct {
            steps.append { matmul.runReference(a: x, b: y, output: target) }
        } else {
            let pool = context.pool, workspace = context.workspace
            workspace.reserve(floatsPerPart: PackedGEMM.scratchFloats)
            steps.append { matmul.run(a: x, b: y, output: target, pool: pool, workspace: workspace) }
        }
        let result = EinsumOperand(letters: letters, shape: letters.map { extents[$0]! }, data: target)
        guard let destination, !inPlace else { return result }
        steps.append(copy(result, order: equation.output, extents: equation.outputShape, to: destination))
        return EinsumOperand(letters: equation.output, shape: equation.outputShape, data: destination)
    }

    /// `x` laid out contiguously in `order` with `extents` (broadcast axes repeated): a copy, made
    /// at every run.
    private mutating func contiguous(_ x: EinsumOperand, order: [Character], extents: [Character: Int]) -> EinsumOperand {
        let shape = order.map { extents[$0]! }
        return EinsumOperand(letters: order, shape: shape, data: arranged(x, order: order, extents: shape))
    }

    /// The memory of `x` in `order` with `extents`: its own when it is already laid out so, a copy otherwise.
    private mutating func arranged(_ x: EinsumOperand, order: [Character], extents: [Int]) -> UnsafeMutablePointer<Float> {
        let expected = Broadcast.strides(of: extents, in: extents)
        if zip(order, zip(extents, expected)).allSatisfy({ $1.0 == 1 || x.stride($0) == $1.1 }) { return x.data }
        let target = context.allocate(extents.reduce(1, *))
        steps.append(copy(x, order: order, extents: extents, to: target))
        return target
    }

    private func copy(_ x: EinsumOperand, order: [Character], extents: [Int],
                      to target: UnsafeMutablePointer<Float>) -> () -> Void {
        let gather = StridedCopy(shape: extents, sourceStrides: order.map { x.stride($0) }), source = UnsafePointer(x.data)
        return { gather.run(from: source, to: target) }
    }
}
