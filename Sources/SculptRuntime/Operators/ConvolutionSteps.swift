import SculptGraph
import SculptKernels

extension Operators {
    /// The geometry of a Conv node.
    static func convolutionShape(_ f: FusedNode, _ tensors: [String: TensorInfo]) throws -> ConvolutionShape {
        do {
            return try ConvolutionShape(node: f.node, input: tensors[try f.input(0)]?.shape ?? [], weight: tensors[try f.input(1)]?.shape ?? [])
        } catch let error as GraphError { throw f.error(error.message) }
    }

    /// The kernel a Conv node runs with, given the layout its input arrives in: the one the
    /// caller chose for it, or the runtime's preferred dense kernel.
    static func convolutionKernel(_ f: FusedNode, _ tensors: [String: TensorInfo], input: TensorLayout) throws -> ConvolutionKernel {
        let shape = try convolutionShape(f, tensors)
        if let chosen = f.kernel {
            // Blocked layouts hold 4-D feature maps only.
            let kernel = tensors[try f.input(0)]?.shape.count == 4 ? ConvolutionKernels.variant(of: chosen, for: shape, input: input) : chosen
            guard kernel.supports(shape) else { throw f.error("the kernel \(kernel.name) does not run \(shape)") }
            return kernel
        }
        // Blocked layouts hold 4-D feature maps: a 1-D convolution stays planar.
        return ConvolutionKernels.preferred(for: shape, input: input, blocked: tensors[try f.input(0)]?.shape.count == 4)
    }

    /// Conv, with the kernel the layout plan chose; its input and output are in that kernel's layouts.
    static func convolution(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), w = try f.input(1)
        let shape = try convolutionShape(f, c.tensors)
        guard let weight = c.constant(w) else { throw f.error("the weight '\(w)' must be a constant") }
        let bias = c.constant(f.node.input(2))
        if let b = f.node.input(2), bias == nil { throw f.error("the bias '\(b)' must be a constant") }
        let choice = try convolutionKernel(f, c.tensors, input: c.layout(x))
        guard choice.layouts == (c.layout(x), c.layout(f.output)) else {
            throw f.error("internal error: the layout plan and the kernel \(choice.name) disagree")
        }
        let input = try c.pointer(x), output = try c.pointer(f.output)
        let residual = try f.residual.map { UnsafePointer(try c.pointer($0)) }
        let activation = f.activation, pool = c.pool, workspace = c.workspace
        let kernel = weight.withUnsafeBufferPointer { w in
            (bias ?? []).withUnsafeBufferPointer { b in choice.prepare(shape, w.baseAddress!, bias == nil ? nil : b.baseAddress) }
        }
        kernel.reserve(in: workspace)
        return {
            kernel.run(input: input, output: output, residual: residual, activation: activation, pool: pool, workspace: workspace)
        }
    }

    /// A BatchNormalization that no convolution absorbed: a per-channel scale and shift.
    static func batchNormalization(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        guard f.node.outputs.count == 1 || f.node.outputs.dropFirst().allSatisfy(\.isEmpty),
              (f.node.int("training_mode") ?? 0) == 0 else {
            throw f.error("only inference mode is supported (no running statistics as outputs)")
        }
        let parameters = try (1...4).map { i -> [Float] in
            guard let values = c.constant(try f.input(i)) else { throw f.error("input \(i) must be a constant") }
            return values
        }
        let epsilon = f.node.float("epsilon") ?? 1e-5
        let scale = (0..<shape[1]).map { parameters[0][$0] / (parameters[3][$0] + epsilon).squareRoot() }
        let shift = (0..<shape[1]).map { parameters[1][$0] - parameters[2][$0] * scale[$0] }
        let kernel = ChannelAffine(batch: shape[0], channels: shape[1], planeSize: shape.dropFirst(2).reduce(1, *),
                                   layout: c.layout(x))
        // Padded to whole channel blocks, for the blocked layout.
        let padding = [Float](repeating: 0, count: ChannelBlocks.count(shape[1]) * ChannelBlocks.width - shape[1])
        let scales = c.allocate(copying: scale + padding), shifts = c.allocate(copying: shift + padding)
        let input = try c.pointer(x), output = try c.pointer(f.output)
        let activation = f.activation, pool = c.pool
        return { kernel.run(input: input, scale: scales, shift: shifts, output: output, activation: activation, pool: pool) }
    }
}
