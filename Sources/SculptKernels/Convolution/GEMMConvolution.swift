/// Dense convolution as a packed GEMM over an implicit im2col matrix: weights are packed once,
/// input panels are packed straight from the image as the multiplication needs them.
///
/// The GEMM runs in whichever orientation wastes less of the register tile on padding:
/// filters × pixels (the usual one) or, for small images, pixels × filters.
public final class GEMMConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    /// Pixels along the GEMM's rows, filters along its columns.
    public let transposed: Bool
    private let weights: [PackedPanels]
    private let bias: UnsafeMutablePointer<Float>?

    /// Packs `weight` ([outChannels][inChannels/groups][kh][kw]) and copies `bias`.
    public init(shape: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        self.shape = shape
        let filters = shape.outChannelsPerGroup, pixels = shape.outHeight * shape.outWidth
        // The transposed product scatters its tiles into the NCHW output: worth it only when the
        // usual orientation would waste more of the register tile than the scatter costs.
        // Counting a tile's scatter as about 8 steps of k.
        let depth = shape.filterLength
        transposed = GEMMConvolution.paddedCells(rows: pixels, columns: filters) * (depth + 8)
            < GEMMConvolution.paddedCells(rows: filters, columns: pixels) * depth
        let width = transposed ? Microkernel.columns : Microkernel.rows
        weights = (0..<shape.groups).map { g in
            let source = StridedPacker(data: weight + g * filters * shape.filterLength, extent: filters,
                                       extentStride: shape.filterLength, depthStride: 1)
            return PackedPanels(source, extent: filters, depth: shape.filterLength, width: width)
        }
        if let bias {
            self.bias = .allocate(capacity: shape.outChannels)
            self.bias!.initialize(from: bias, count: shape.outChannels)
        } else {
            self.bias = nil
        }
    }

    deinit {
        weights.forEach { $0.deallocate() }
        bias?.deallocate()
    }

    /// Register-tile cells a rows × columns product occupies once both are padded to the tile.
    static func paddedCells(rows: Int, columns: Int) -> Int {
        let r = (rows + Microkernel.rows - 1) / Microkernel.rows * Microkernel.rows
        let c = (columns + Microkernel.columns - 1) / Microkernel.columns * Microkernel.columns
        return r * c
    }

    public var scratchFloats: (perPart: Int, shared: Int) { (PackedGEMM.scratchFloats, 0) }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        let s = shape
        let pixels = s.outHeight * s.outWidth, filters = s.outChannelsPerGroup
        let pointwise = s.kernelHeight == 1 && s.kernelWidth == 1 && s.strideY == 1 && s.strideX == 1
            && s.padTop == 0 && s.padLeft == 0 && s.padBottom == 0 && s.padRight == 0
        for n in 0..<s.batch {
            for g in 0..<s.groups {
                let image = input + (n * s.inChannels + g * s.inChannelsPerGroup) * s.height * s.width
                let offset = (n * s.outChannels + g * filters) * pixels
                let out = GEMMOutput(
                    data: output + offset, rowStride: transposed ? 1 : pixels, columnStride: transposed ? pixels : 1,
                    bias: bias.map { UnsafePointer($0 + g * filters) }, biasPerRow: !transposed,
                    residual: residual.map { $0 + offset }, activation: activation)
                if pointwise {
                    multiply(weights[g], StridedPacker(data: image, extent: pixels, extentStride: 1, depthStride: pixels),
                             output: out, pool: pool, workspace: workspace)
                } else {
                    multiply(weights[g], Im2ColPacker(shape: s, input: image), output: out, pool: pool, workspace: workspace)
                }
            }
        }
    }

    /// One image and group: filters × pixels, or pixels × filters when transposed.
    private func multiply<P: PanelPacker>(_ filters: PackedPanels, _ pixels: P, output: GEMMOutput,
                                          pool: ThreadPool, workspace: Workspace) {
        let m = shape.outChannelsPerGroup, n = shape.outHeight * shape.outWidth, k = shape.filterLength
        if transposed {
            PackedGEMM.multiply(m: n, n: m, k: k, a: pixels, b: filters, output: output, pool: pool, workspace: workspace)
        } else {
            PackedGEMM.multiply(m: m, n: n, k: k, a: filters, b: pixels, output: output, pool: pool, workspace: workspace)
        }
    }
}
