import SculptGraph
import SculptKernels

/// One prepared step of a plan: a node (with what was fused into it) bound to its buffers.
struct Step {
    var name: String
    var opType: String
    var run: () -> Void
}

/// What step builders see while a plan is built: shapes, constants, and the memory each
/// run-time tensor was given. Everything a step allocates is allocated here, once.
final class PlanContext {
    let tensors: [String: TensorInfo]
    let layouts: LayoutPlan
    let opset: Int
    let pool: ThreadPool
    let workspace: Workspace
    let shaped: ShapedGraph
    var buffers = [String: UnsafeMutablePointer<Float>]()
    private var owned = [UnsafeMutablePointer<Float>]()

    init(shaped: ShapedGraph, layouts: LayoutPlan, pool: ThreadPool, workspace: Workspace) {
        // The graph's own helpers (axes, slices…) see converted copies too.
        var shaped = shaped
        shaped.tensors = layouts.tensors
        self.shaped = shaped
        self.layouts = layouts
        self.tensors = layouts.tensors
        self.opset = shaped.opset
        self.pool = pool
        self.workspace = workspace
    }

    func layout(_ name: String) -> TensorLayout { layouts.layout(name) }

    /// Floats tensor `name` occupies in its layout.
    func floats(_ name: String) -> Int { layouts.floats(name) }

    deinit { owned.forEach { $0.deallocate() } }

    func shape(_ name: String) -> [Int] { tensors[name]?.shape ?? [] }

    func constant(_ name: String?) -> [Float]? {
        name.flatMap { tensors[$0]?.constant?.floats }
    }

    /// A buffer that lives as long as the plan.
    func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        let buffer = UnsafeMutablePointer<Float>.allocateAligned(max(count, 1))
        buffer.initialize(repeating: 0, count: max(count, 1))
        owned.append(buffer)
        return buffer
    }

    func allocate(copying values: [Float]) -> UnsafeMutablePointer<Float> {
        let buffer = allocate(values.count)
        buffer.update(from: values, count: values.count)
        return buffer
    }

    /// The memory of tensor `name`: its buffer at run time, or a copy of its constant value.
    func pointer(_ name: String) throws -> UnsafeMutablePointer<Float> {
        if let buffer = buffers[name] { return buffer }
        guard let values = constant(name) else { throw GraphError("tensor '\(name)' has no value at run time") }
        let buffer = allocate(copying: values)
        buffers[name] = buffer
        return buffer
    }

    /// Runs `body` with the constant `name` as a pointer, without keeping a copy.
    func withConstant<R>(_ name: String, _ body: (UnsafePointer<Float>) throws -> R) throws -> R? {
        guard let values = constant(name), !values.isEmpty else { return nil }
        return try values.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
