/// Dense convolution as an explicit im2col matrix times the weights through OpenBLAS's sgemm:
/// the textbook baseline that the pattern-sparse kernels are compared with. OpenBLAS uses its
/// own threads (`OpenBLASGEMM.setThreads`), not the pool.
public final class OpenBLASConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    private let weight: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>

    public init(shape s: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        shape = s
        self.weight = .allocate(capacity: s.weightCount)
        self.weight.initialize(from: weight, count: s.weightCount)
        self.bias = .allocate(capacity: s.outChannels)
        if let bias { self.bias.initialize(from: bias, count: s.outChannels) } else { self.bias.initialize(repeating: 0, count: s.outChannels) }
    }

    deinit {
        weight.deallocate()
        bias.deallocate()
    }

    public var scratchFloats: (perPart: Int, shared: Int) { (0, shape.filterLength * shape.outHeight * shape.outWidth) }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        let s = shape, pixels = s.outHeight * s.outWidth, filters = s.outChannelsPerGroup
        precondition(workspace.sharedFloats >= scratchFloats.shared, "the workspace is too small for \(s)")
        let columns = workspace.shared
        for n in 0..<s.batch {
            for g in 0..<s.groups {
                Im2Col.materialize(s, input: input + (n * s.inChannels + g * s.inChannelsPerGroup) * s.height * s.width,
                                   into: columns)
                let out = output + (n * s.outChannels + g * filters) * pixels
                OpenBLASGEMM.multiply(m: filters, n: pixels, k: s.filterLength,
                                      a: weight + g * filters * s.filterLength, b: columns, c: out)
                for f in 0..<filters {
                    let row = out + f * pixels, b = bias[g * filters + f]
                    if let residual {
                        let r = residual + (n * s.outChannels + g * filters + f) * pixels
                        for p in 0..<pixels { row[p] += b + r[p] }
                    } else {
                        for p in 0..<pixels { row[p] += b }
                    }
                    activation.apply(row, count: pixels)
                }
            }
        }
    }
}
