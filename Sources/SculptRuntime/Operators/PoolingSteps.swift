import SculptGraph
import SculptKernels

extension Operators {
    /// MaxPool and AveragePool over 1-D or 2-D windows.
    static func pooling(_ kind: Pooling.Kind, _ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), inShape = c.shape(x)
        guard inShape.count == 3 || inShape.count == 4, let kernel = f.node.ints("kernel_shape") else {
            throw f.error("only 1-D and 2-D pooling is supported (input shape \(inShape))")
        }
        guard f.node.outputs.count == 1 || f.node.outputs[1].isEmpty else { throw f.error("the Indices output is not supported") }
        let g = try WindowGeometry(node: f.node, input: Array(inShape[2...]), kernel: kernel, allowCeilMode: true)
        let planar = inShape.count == 4
        let shape = PoolingShape(
            planes: inShape[0] * inShape[1], height: planar ? inShape[2] : 1, width: inShape.last!,
            outHeight: planar ? g.output[0] : 1, outWidth: g.output.last!,
            kernelHeight: planar ? kernel[0] : 1, kernelWidth: kernel.last!,
            strideY: planar ? g.strides[0] : 1, strideX: g.strides.last!,
            dilationY: planar ? g.dilations[0] : 1, dilationX: g.dilations.last!,
            padTop: planar ? g.padsBegin[0] : 0, padLeft: g.padsBegin.last!,
            padBottom: planar ? g.padsEnd[0] : 0, padRight: g.padsEnd.last!,
            countPadding: f.node.int("count_include_pad") == 1)
        let input = try c.pointer(x), output = try c.pointer(f.output), pool = c.pool, workspace = c.workspace
        if c.layout(x) == .blocked {
            var blocks = shape
            blocks.planes = inShape[0] * ChannelBlocks.count(inShape[1])
            return { Pooling.runBlocked(kind, blocks, input: input, output: output, pool: pool) }
        }
        if Pooling.halves(shape) { return { Pooling.runHalving(kind, shape, input: input, output: output, pool: pool) } }
        workspace.reserve(floatsPerPart: Pooling.scratchFloats(shape))
        return { Pooling.run(kind, shape, input: input, output: output, pool: pool, workspace: workspace) }
    }

    /// GlobalAveragePool and GlobalMaxPool: one value per channel.
    static func globalPooling(_ kind: Pooling.Kind, _ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let size = shape.dropFirst(2).reduce(1, *)
        let input = try c.pointer(x), output = try c.pointer(f.output), pool = c.pool
        if c.layout(x) == .blocked {
            let planes = shape[0] * ChannelBlocks.count(shape[1])
            return { Pooling.globalBlocked(kind, planes: planes, size: size, input: input, output: output, pool: pool) }
        }
        let planes = shape[0] * shape[1], reduction: RowReduction.Kind = kind == .max ? .max : .mean
        return { RowReduction.run(reduction, rows: planes, size: size, input: input, output: output, pool: pool) }
    }

    /// ReduceMean, ReduceMax and ReduceL2: reduced axes are moved last (a copy, unless they
    /// already are), then each row is reduced.
    static func reduce(_ kind: RowReduction.Kind, _ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let x = try f.input(0), shape = c.shape(x)
        let axes = Set(try c.shaped.reductionAxes(f.node))
        let kept = shape.indices.filter { !axes.contains($0) }, reduced = shape.indices.filter { axes.contains($0) }
        let size = reduced.map { shape[$0] }.reduce(1, *), planes = kept.map { shape[$0] }.reduce(1, *)
        let input = try c.pointer(x), output = try c.pointer(f.output), pool = c.pool
        if kept + reduced == Array(shape.indices) {
            return { RowReduction.run(kind, rows: planes, size: size, input: input, output: output, pool: pool) }
        }
        let order = kept + reduced
        let strides = StridedCopy.contiguousStrides(shape)
        let gather = StridedCopy(shape: order.map { shape[$0] }, sourceStrides: order.map { strides[$0] })
        let staging = c.allocate(shape.reduce(1, *))
        return {
            gather.run(from: input, to: staging)
            RowReduction.run(kind, rows: planes, size: size, input: staging, output: output, pool: pool)
        }
    }
}
