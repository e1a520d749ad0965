import Foundation
import SculptGraph
import SculptKernels

/// A model planned for fixed input shapes and a thread count, ready to run.
///
/// Planning folds constants, fuses BatchNorm, residual adds and activations into the layers
/// that produce them, packs weights, and places every intermediate tensor in one arena; a run
/// then only executes the prepared steps and allocates nothing.
public final class InferenceSession: @unchecked Sendable {
    /// A run-time input or output.
    public struct TensorDescription: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var count: Int { shape.reduce(1, *) }
    }

    public let inputs: [TensorDescription]
    public let outputs: [TensorDescription]
    public let threads: Int
    /// Floats of the arena that holds every intermediate tensor.
    public let arenaFloats: Int

    private let pool: ThreadPool
    private let workspace: Workspace
    private let context: PlanContext
    private let steps: [Step]
    private let arena: UnsafeMutablePointer<Float>
    private let inputBuffers: [UnsafeMutablePointer<Float>]
    private let outputBuffers: [UnsafePointer<Float>]

    /// Every operator the runtime runs (after constant folding).
    public static var supportedOperators: Set<String> { Operators.supported }

    /// Plans `model` for the given input shapes (declared shapes otherwise, `batch` for a
    /// symbolic first dimension). `constantInputs` binds inputs to fixed values, as if they
    /// were initializers. With `pinThreads`, the threads (the calling one included) are pinned
    /// to CPUs of their own, which makes timings steadier on a busy machine. `kernels` chooses
    /// the kernel of Conv nodes by node name (the pattern-sparse layers of a pruned model).
    public init(model: Model, inputShapes: [String: [Int]] = [:], batch: Int = 1, threads: Int = 1,
                pinThreads: Bool = false, constantInputs: [String: Tensor] = [:],
                kernels: [String: ConvolutionKernel] = [:]) throws {
        var model = model
        for (name, value) in constantInputs {
            guard model.graph.runtimeInputs.contains(where: { $0.name == name }) else {
                throw GraphError("the model has no input named '\(name)'")
            }
            model.graph.initializers[name] = value
        }
        let shaped = try model.specialized(inputShapes: inputShapes, batch: batch)
        let fusion = try Fusion(shaped)
        let nodes = try fusion.nodes(running: kernels)
        let pool = ThreadPool(threads: threads, pinned: pinThreads), workspace = Workspace(parts: threads)


        for fused in nodes where !Operators.views.contains(fused.node.opType) && Operators.builders[fused.node.opType] == nil {
            throw fused.error("operator '\(fused.node.opType)' on run-time values is not supported")
        }
        for fused in nodes where fused.node.opType == "Cast" && fusion.tensors[fused.output]?.dataType != .float {
            throw fused.error("casting to \(fusion.tensors[fused.output]?.dataType.description ?? "?") at run time is not supported")
        }
        let graphInputs = shaped.graph.inputs.map(\.name)
        let graphOutputs = shaped.graph.outputs.map(\.name)
        for name in graphInputs where fusion.tensors[name]?.dataType != .float {
            throw GraphError("input '\(name)' is \(fusion.tensors[name]?.dataType.description ?? "untyped"); only float32 inputs are supported")
        }
        // Layouts and conversions; then every tensor a step writes gets arena space for its lifetime.
        let layouts = try LayoutPlan(nodes, tensors: fusion.tensors, graphOutputs: graphOutputs)
        var firstWrite = [String: Int](), lastRead = [String: Int]()
        for (index, step) in layouts.steps.enumerated() {
            switch step {
            case .node(let fused):
                let written = fused.node.outputs.count == 1 ? [fused.output] : fused.node.outputs.filter { !$0.isEmpty }
                for name in written { firstWrite[name] = index }
                for name in fused.node.inputs + [fused.residual ?? ""] where !name.isEmpty { lastRead[layouts.resolve(name)] = index }
            case .convert(let from, let to, _):
                firstWrite[to] = index
                lastRead[layouts.resolve(from)] = index
            }
        }
        for name in graphOutputs { lastRead[layouts.resolve(layouts.outputs[name]!)] = layouts.steps.count }
        var requests = [MemoryPlan.Request]()
        for (name, step) in firstWrite where lastRead[name] != nil {
            guard let info = layouts.tensors[name] else { continue }
            guard info.dataType == .float else {
                throw GraphError("tensor '\(name)' is \(info.dataType) at run time; only float32 values are computed at run time")
            }
            requests.append(MemoryPlan.Request(name: name, count: layouts.floats(name), lifetime: step...max(step, lastRead[name]!)))
        }
        let plan = MemoryPlan(requests)
        let context = PlanContext(shaped: shaped, layouts: layouts, pool: pool, workspace: workspace)
        let bytes = UInt64(plan.totalFloats) * 4, physical = ProcessInfo.processInfo.physicalMemory
        guard bytes < physical / 2 else {
            throw GraphError(String(format: "the model needs %.1f GB for intermediate tensors at these input shapes; this machine has %.1f GB",
                                    Double(bytes) / 1e9, Double(physical) / 1e9))
        }
        let arena = UnsafeMutablePointer<Float>.allocateAligned(max(1, plan.totalFloats))
        arena.initialize(repeating: 0, count: max(1, plan.totalFloats))
        for (name, offset) in plan.offsets { context.buffers[name] = arena + offset }
        let inputBuffers = graphInputs.map { name in context.allocate(fusion.tensors[name]!.count) }
        for (name, buffer) in zip(graphInputs, inputBuffers) { context.buffers[name] = buffer }
        for (alias, _) in layouts.aliases { if let buffer = context.buffers[layouts.resolve(alias)] { context.buffers[alias] = buffer } }

        do {
            steps = try layouts.steps.map { step in
                switch step {
                case .node(let fused):
                    Step(name: fused.name, opType: fused.node.opType, run: try Operators.builders[fused.node.opType]!(fused, context))
                case .convert(let from, let to, let layout):
                    Step(name: to, opType: "Reorder", run: try Operators.reorder(from: from, to: to, layout: layout, context))
                }
            }
            // Views of constants and constant outputs get their own copies, once.
            outputBuffers = try graphOutputs.map { UnsafePointer(try context.pointer(layouts.outputs[$0]!)) }
        } catch {
            arena.deallocate()
            throw error
        }
        inputs = graphInputs.map { TensorDescription(name: $0, shape: fusion.tensors[$0]!.shape) }
        outputs = graphOutputs.map { TensorDescription(name: $0, shape: fusion.tensors[$0]?.shape ?? []) }
        self.threads = threads
        self.pool = pool
        self.workspace = workspace
        self.context = context
        self.arena = arena
        self.arenaFloats = plan.totalFloats
        self.inputBuffers = inputBuffers
    }

    deinit { arena.deallocate() }

    /// The buffer of input `index`: write the input here, then call `run()`.
    public func inputBuffer(_ index: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: inputBuffers[index], count: inputs[index].count)
    }

    /// The buffer of output `index`, valid until the next run.
    public func outputBuffer(_ index: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: outputBuffers[index], count: outputs[index].count)
    }

    /// Runs the plan on what the input buffers hold.
    public func run() {
        for step in steps { step.run() }
    }

    /// Runs on `inputs` (by name, row-major) and returns the outputs by name.
    public func run(_ values: [String: [Float]]) throws -> [String: [Float]] {
        for (index, input) in inputs.enumerated() {
            guard let data = values[input.name] else { throw GraphError("no value given for input '\(input.name)'") }
            guard data.count == input.count else {
                throw GraphError("input '\(input.name)' needs \(input.count) values (shape \(input.shape)), got \(data.count)")
            }
            _ = inputBuffer(index).update(from: data)
        }
        run()
        return Dictionary(uniqueKeysWithValues: outputs.indices.map { (outputs[$0].name, Array(outputBuffer($0))) })
    }

    /// Time of each step over `runs` runs, in milliseconds per run, in execution order.
    public func profile(runs: Int) -> [(name: String, opType: String, milliseconds: Double)] {
        var totals = [UInt64](repeating: 0, count: steps.count)
        for _ in 0..<runs {
            for (i, step) in steps.enumerated() {
                let start = DispatchTime.now().uptimeNanoseconds
                step.run()
                totals[i] += DispatchTime.now().uptimeNanoseconds - start
            }
        }
        return steps.indices.map { (steps[$0].name, steps[$0].opType, Double(totals[$0]) / Double(runs) / 1e6) }
    }
}
