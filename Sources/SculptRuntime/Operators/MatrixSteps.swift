import SculptGraph
import SculptKernels

extension Operators {
    /// Gemm: Y = alpha · A'·B' + beta · C, with A' and B' optionally transposed.
    static func gemm(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let a = try f.input(0), b = try f.input(1)
        let aShape = c.shape(a), outShape = c.shape(f.output)
        let transA = f.node.int("transA") == 1, transB = f.node.int("transB") == 1
        let alpha = f.node.float("alpha") ?? 1, beta = f.node.float("beta") ?? 1
        let m = outShape[0], n = outShape[1], k = transA ? aShape[0] : aShape[1]
        let input = try c.pointer(a), output = try c.pointer(f.output)
        let pool = c.pool, workspace = c.workspace
        workspace.reserve(floatsPerPart: PackedGEMM.scratchFloats)

        // C becomes a per-column bias when it is a constant vector, a full-size addend otherwise.
        var bias: [Float]?
        var addend: (() -> Void)?
        var residual: UnsafePointer<Float>?
        if let cName = f.node.input(2) {
            let cShape = c.shape(cName)
            if let values = c.constant(cName), cShape.count <= 1 || cShape.dropLast().allSatisfy({ $0 == 1 }) {
                bias = values.count == n ? values.map { $0 * beta } : Array(repeating: values[0] * beta, count: n)
            } else {
                let staging = c.allocate(m * n), source = try c.pointer(cName)
                let broadcast = StridedCopy(shape: [m, n], sourceStrides: Broadcast.strides(of: cShape, in: [m, n]))
                addend = {
                    broadcast.run(from: source, to: staging)
                    if beta != 1 { for i in 0..<(m * n) { staging[i] *= beta } }
                }
                residual = UnsafePointer(staging)
            }
        }
        if let r = f.residual {
            guard residual == nil else { throw f.error("cannot fuse a residual into a Gemm that has a full-size C") }
            residual = UnsafePointer(try c.pointer(r))
        }
        let activation = f.activation

        if !transA, let weight = c.constant(b) {
            let scaled = alpha == 1 ? weight : weight.map { $0 * alpha }
            let layer = scaled.withUnsafeBufferPointer { w in
                (bias ?? []).withUnsafeBufferPointer { bp in
                    DenseLayer(inFeatures: k, outFeatures: n, weight: w.baseAddress!, transposed: transB,
                               bias: bias == nil ? nil : bp.baseAddress)
                }
            }
            return {
                addend?()
                layer.run(input: input, rows: m, output: output, residual: residual, activation: activation,
                          pool: pool, workspace: workspace)
            }
        }
        let weights = try c.pointer(b)
        let biasPointer = bias.map { UnsafePointer(c.allocate(copying: $0)) }
        let out = GEMMOutput(data: output, rowStride: n, bias: biasPointer, biasPerRow: false, residual: residual,
                             activation: activation)
        var scaledOut = out
        scaledOut.scale = alpha
        let aSource = StridedPacker(data: input, extent: m, extentStride: transA ? 1 : k, depthStride: transA ? m : 1)
        let bSource = StridedPacker(data: weights, extent: n, extentStride: transB ? k : 1, depthStride: transB ? 1 : n)
        return {
            addend?()
            PackedGEMM.multiply(m: m, n: n, k: k, a: aSource, b: bSource, output: scaledOut, pool: pool, workspace: workspace)
        }
    }

    /// MatMul with NumPy semantics: a constant 2-D right operand is a dense layer over all rows
    /// of the left one; otherwise a batched product with broadcast batch dimensions.
    static func matMul(_ f: FusedNode, _ c: PlanContext) throws -> () -> Void {
        let a = try f.input(0), b = try f.input(1)
        var aShape = c.shape(a), bShape = c.shape(b)
        if aShape.count == 1 { aShape = [1] + aShape }
        if bShape.count == 1 { bShape = bShape + [1] }
        let m = aShape[aShape.count - 2], k = aShape.last!, n = bShape.last!
        let input = try c.pointer(a), output = try c.pointer(f.output)
        let residual = try f.residual.map { UnsafePointer(try c.pointer($0)) }
        let pool = c.pool, workspace = c.workspace, activation = f.activation
        workspace.reserve(floatsPerPart: PackedGEMM.scratchFloats)
        let bias = c.constant(f.bias)

        if bShape.count == 2, let weight = c.constant(b) {
            let rows = aShape.dropLast().reduce(1, *)
            let layer = weight.withUnsafeBufferPointer { w in
                (bias ?? []).withUnsafeBufferPointer { bp in
                    DenseLayer(inFeatures: k, outFeatures: n, weight: w.baseAddress!, transposed: false,
                               bias: bias == nil ? nil : bp.baseAddress)
                }
            }
            return {
                layer.run(input: input, rows: rows, output: output, residual: residual, activation: activation,
                          pool: pool, workspace: workspace)
            }
        }
        guard residual == nil, bias == nil else { throw f.error("cannot fuse into a product of two run-time tensors") }
        let batchShape = Broadcast.shape([Array(aShape.dropLast(2)), Array(bShape.dropLast(2))]) ?? []
        let aBatch = Broadcast.strides(of: Array(aShape.dropLast(2)), in: batchShape)
        let bBatch = Broadcast.strides(of: Array(bShape.dropLast(2)), in: batchShape)
        let product = BatchedMatMul(batch: batchShape.reduce(1, *), m: m, n: n, k: k,
                                    aOffsets: BatchedMatMul.offsets(shape: batchShape, strides: aBatch.map { $0 * m * k }),
                                    bOffsets: BatchedMatMul.offsets(shape: batchShape, strides: bBatch.map { $0 * k * n }),
                                    aStrides: (row: k, depth: 1), bStrides: (column: 1, depth: n))
        let right = try c.pointer(b)
        return { product.run(a: input, b: right, output: output, activation: activation, pool: pool, workspace: workspace) }
    }
}
