/// Depthwise convolution (one filter per channel), vectorized along output rows.
///
/// Each channel is first copied into a zero-bordered plane in scratch, so every tap of 16
/// outputs is one vector load with no bounds checks.
public final class DepthwiseConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    private let weight: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>
    private let plane: PaddedPlane

    /// Copies `weight` ([channels][1][kh][kw]) and `bias` (zeros when nil).
    public init(shape s: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        precondition(s.isDepthwise, "\(s) is not a depthwise convolution")
        shape = s
        let taps = s.kernelHeight * s.kernelWidth
        self.weight = .allocate(capacity: s.outChannels * taps)
        self.weight.initialize(from: weight, count: s.outChannels * taps)
        self.bias = .allocate(capacity: s.outChannels)
        if let bias { self.bias.initialize(from: bias, count: s.outChannels) } else { self.bias.initialize(repeating: 0, count: s.outChannels) }
        plane = PaddedPlane(height: s.height, width: s.width, padTop: s.padTop, padLeft: s.padLeft,
                            outHeight: s.outHeight, outWidth: s.outWidth, kernelHeight: s.kernelHeight,
                            kernelWidth: s.kernelWidth, strideY: s.strideY, strideX: s.strideX,
                            dilationY: s.dilationY, dilationX: s.dilationX, flatten: true)
    }

    deinit {
        weight.deallocate()
        bias.deallocate()
    }

    /// Per part: the padded plane.
    public var scratchFloats: (perPart: Int, shared: Int) { (plane.count, 0) }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        precondition(workspace.floatsPerPart >= scratchFloats.perPart, "the workspace is too small for \(shape)")
        let s = shape, planes = s.batch * s.outChannels
        let size = s.outHeight * s.outWidth
        pool.parallelFor(planes) { index, thread in
            let padded = workspace.scratch(thread)
            self.plane.fill(from: input + index * s.height * s.width, into: padded, border: 0)
            let out = output + index * size
            guard let residual else {
                self.convolve(padded, out, channel: index % s.outChannels, activation: activation)
                return
            }
            // A residual goes in before the activation, so the activation waits for it.
            self.convolve(padded, out, channel: index % s.outChannels, activation: .identity)
            let r = residual + index * size
            var i = 0
            while i + Vector.scalarCount <= size {
                (out + i).store((out + i).vector() + (r + i).vector())
                i += Vector.scalarCount
            }
            while i < size { out[i] += r[i]; i += 1 }
            activation.apply(out, count: size)
        }
    }

    /// One plane, four vectors of windows at a time (four independent chains of multiply-adds).
    private func convolve(_ padded: UnsafeMutablePointer<Float>, _ output: UnsafeMutablePointer<Float>, channel: Int,
                          activation: Activation) {
        let s = shape, pw = plane.paddedWidth
        let w = weight + channel * s.kernelHeight * s.kernelWidth
        let b = Vector(repeating: bias[channel])
        plane.forEachStep(padded, output: output, outWidth: s.outWidth, strideX: s.strideX) { origin, o, _, _ in
            var a0 = b, a1 = b, a2 = b, a3 = b
            for ky in 0..<s.kernelHeight {
                let row = origin + ky * s.dilationY * pw
                for kx in 0..<s.kernelWidth {
                    let weight = Vector(repeating: w[ky * s.kernelWidth + kx]), source = row + kx * s.dilationX
                    a0.addProduct(weight, (source + o.0).vector())
                    a1.addProduct(weight, (source + o.1).vector())
                    a2.addProduct(weight, (source + o.2).vector())
                    a3.addProduct(weight, (source + o.3).vector())
                }
            }
            if let f0 = activation.inlineForm(a0), let f1 = activation.inlineForm(a1),
               let f2 = activation.inlineForm(a2), let f3 = activation.inlineForm(a3) {
                return (f0, f1, f2, f3)
            }
            return (a0, a1, a2, a3)
        }
        if !activation.isInlinable { activation.apply(output, count: s.outHeight * s.outWidth) }
    }
}
