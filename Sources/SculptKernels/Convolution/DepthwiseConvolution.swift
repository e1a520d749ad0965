/// Depthwise convolution (one filter per channel), vectorized along output rows.
///
/// Each channel is first copied into a zero-padded plane in scratch, so the inner loop has no
/// bounds checks: every tap is one vector load (stride 1) or one strided gather (stride 2).
public final class DepthwiseConvolution: @unchecked Sendable {
    public let shape: ConvolutionShape
    private let weight: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>

    /// Copies `weight` ([channels][1][kh][kw]) and `bias` (zeros when nil).
    public init(shape: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        precondition(shape.isDepthwise, "\(shape) is not a depthwise convolution")
        self.shape = shape
        let taps = shape.kernelHeight * shape.kernelWidth
        self.weight = .allocate(capacity: shape.outChannels * taps)
        self.weight.initialize(from: weight, count: shape.outChannels * taps)
        self.bias = .allocate(capacity: shape.outChannels)
        if let bias { self.bias.initialize(from: bias, count: shape.outChannels) } else { self.bias.initialize(repeating: 0, count: shape.outChannels) }
    }

    deinit {
        weight.deallocate()
        bias.deallocate()
    }

    /// Width of the padded plane: room for whole vectors of outputs past the right edge.
    var paddedWidth: Int {
        let s = shape
        let vectors = (s.outWidth + Vector.scalarCount - 1) / Vector.scalarCount
        return max(s.width + s.padLeft + s.padRight, (vectors * Vector.scalarCount - 1) * s.strideX + (s.kernelWidth - 1) * s.dilationX + 1 + Vector.scalarCount)
    }

    var paddedHeight: Int { shape.height + shape.padTop + shape.padBottom }

    /// Scratch floats one part needs.
    public var scratchFloats: Int { paddedWidth * paddedHeight + Vector.scalarCount }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, activation: Activation = .identity,
                    pool: ThreadPool, workspace: Workspace) {
        precondition(workspace.floatsPerPart >= scratchFloats, "the workspace is too small for \(shape)")
        let s = shape, planes = s.batch * s.outChannels
        pool.parallelRanges(planes) { range in
            // parallelRanges hands out distinct parts 0..<threads: derive ours from the range.
            let part = range.lowerBound * min(pool.threadCount, planes) / planes
            let padded = workspace.scratch(part)
            for plane in range {
                let channel = plane % s.outChannels
                self.convolvePlane(input + plane * s.height * s.width, output + plane * s.outHeight * s.outWidth,
                                   channel: channel, padded: padded, activation: activation)
            }
        }
    }

    private func convolvePlane(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, channel: Int,
                               padded: UnsafeMutablePointer<Float>, activation: Activation) {
        let s = shape, pw = paddedWidth
        fill(padded, pw * s.padTop, 0)
        for y in 0..<s.height {
            let row = padded + (y + s.padTop) * pw
            fill(row, s.padLeft, 0)
            (row + s.padLeft).update(from: input + y * s.width, count: s.width)
            fill(row + s.padLeft + s.width, pw - s.padLeft - s.width, 0)
        }
        fill(padded + (s.height + s.padTop) * pw, pw * s.padBottom, 0)

        let taps = s.kernelHeight * s.kernelWidth
        let w = weight + channel * taps
        let b = Vector(repeating: bias[channel])
        let lanes = Vector.scalarCount
        for oy in 0..<s.outHeight {
            let out = output + oy * s.outWidth
            var ox = 0
            while ox < s.outWidth {
                var acc = b
                for ky in 0..<s.kernelHeight {
                    let line = padded + (oy * s.strideY + ky * s.dilationY) * pw + ox * s.strideX
                    for kx in 0..<s.kernelWidth {
                        let source = UnsafePointer(line + kx * s.dilationX)
                        let weightValue = Vector(repeating: w[ky * s.kernelWidth + kx])
                        acc.addProduct(weightValue, DepthwiseConvolution.load(source, stride: s.strideX))
                    }
                }
                acc = activation.apply(acc)
                let valid = min(lanes, s.outWidth - ox)
                if valid == lanes {
                    (out + ox).store(acc)
                } else {
                    for i in 0..<valid { out[ox + i] = acc[i] }
                }
                ox += lanes
            }
        }
    }

    /// Sixteen inputs `stride` apart.
    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, stride: Int) -> Vector {
        switch stride {
        case 1: return p.vector()
        case 2: return UnsafeRawPointer(p).loadUnaligned(as: SIMD32<Float>.self).evenHalf
        default:
            var v = Vector()
            for i in 0..<Vector.scalarCount { v[i] = p[i * stride] }
            return v
        }
    }
}
