/// Depthwise convolution on channel-blocked tensors: a pixel's 16 channels are one vector, so every
/// tap is one multiply-add of full vectors, whatever the image size.
///
/// Windows are clipped to the image per row and per column (no padded copy): interior pixels run
/// the full window four at a time (four independent accumulators), border pixels one at a time.
public final class BlockedDepthwiseConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    /// Per block of 16 channels: [tap][16] weights, zero past the last channel.
    private let weights: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>
    private let blocks: Int

    public init(shape s: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        precondition(s.isDepthwise, "\(s) is not a depthwise convolution")
        shape = s
        let lanes = ChannelBlocks.width, taps = s.kernelHeight * s.kernelWidth
        blocks = ChannelBlocks.count(s.outChannels)
        weights = .allocateAligned(blocks * taps * lanes)
        weights.initialize(repeating: 0, count: blocks * taps * lanes)
        self.bias = .allocateAligned(blocks * lanes)
        self.bias.initialize(repeating: 0, count: blocks * lanes)
        for c in 0..<s.outChannels {
            for t in 0..<taps { weights[((c / lanes) * taps + t) * lanes + c % lanes] = weight[c * taps + t] }
            self.bias[c] = bias?[c] ?? 0
        }
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
    }

    public var scratchFloats: (perPart: Int, shared: Int) { (0, 0) }

    /// Output rows per task: enough work to amortize a task, small enough to balance threads.
    static let rowsPerTask = 4

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        let s = shape, bands = (s.outHeight + Self.rowsPerTask - 1) / Self.rowsPerTask
        let planes = s.batch * blocks
        // Bands outside, channel blocks inside: each thread's share is a band of the image (of
        // one image), the rows that a pointwise layer around it gives the same thread when it
        // splits the pixels (small weights).
        pool.parallelFor(planes * bands) { task in
            let band = task / planes, plane = task % planes
            let rows = (band * Self.rowsPerTask)..<min((band + 1) * Self.rowsPerTask, s.outHeight)
            self.convolve(plane: plane, rows: rows, input: input, output: output, residual: residual, activation: activation)
        }
    }

    private func convolve(plane: Int, rows: Range<Int>, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                          residual: UnsafePointer<Float>?, activation: Activation) {
        let s = shape, lanes = ChannelBlocks.width, kw = s.kernelWidth
        let block = plane % blocks
        let source = input + plane * s.height * s.width * lanes
        let out = output + plane * s.outHeight * s.outWidth * lanes
        let res = residual.map { $0 + plane * s.outHeight * s.outWidth * lanes }
        let w = UnsafePointer(weights + block * s.kernelHeight * kw * lanes), b = UnsafePointer(bias + block * lanes).vector()
        // Output columns whose whole window lies inside the image.
        let lastStart = s.width + s.padLeft - (kw - 1) * s.dilationX - 1
        let interior = (min(s.outWidth, (s.padLeft + s.strideX - 1) / s.strideX),
                        lastStart < 0 ? 0 : min(s.outWidth, lastStart / s.strideX + 1))
        @inline(__always) func finish(_ v: Vector, _ index: Int) {
            var y = v
            if let res { y += (res + index * lanes).vector() }
            if let f = activation.inlineForm(y) {
                (out + index * lanes).store(f)
            } else {
                (out + index * lanes).store(y)
                activation.apply(out + index * lanes, count: lanes)
            }
        }
        for oy in rows {
            let y0 = oy * s.strideY - s.padTop
            let kyRange = clippedTaps(start: y0, dilation: s.dilationY, kernel: s.kernelHeight, size: s.height)
            /// One output pixel with its window clipped to the image.
            @inline(__always) func single(_ ox: Int) {
                let x0 = ox * s.strideX - s.padLeft
                let kxRange = clippedTaps(start: x0, dilation: s.dilationX, kernel: kw, size: s.width)
                var acc = b
                for ky in kyRange {
                    let row = source + ((y0 + ky * s.dilationY) * s.width + x0) * lanes
                    for kx in kxRange { acc.addProduct((w + (ky * kw + kx) * lanes).vector(), (row + kx * s.dilationX * lanes).vector()) }
                }
                finish(acc, oy * s.outWidth + ox)
            }
            var ox = 0
            while ox < interior.0 { single(ox); ox += 1 }
            // The usual 3-wide window, dilation 1: the four pixels' windows overlap, so each input
            // vector of a row is loaded once (6 for stride 1, 9 for stride 2) instead of 12 times.
            if kw == 3 && s.dilationX == 1 && s.strideX <= 2 {
                while ox + 4 <= interior.1 {
                    var a0 = b, a1 = b, a2 = b, a3 = b
                    for ky in kyRange {
                        let row = UnsafePointer(source + ((y0 + ky * s.dilationY) * s.width + ox * s.strideX - s.padLeft) * lanes)
                        let w0 = (w + ky * 3 * lanes).vector(), w1 = (w + (ky * 3 + 1) * lanes).vector()
                        let w2 = (w + (ky * 3 + 2) * lanes).vector()
                        let x0 = row.vector(), x1 = (row + lanes).vector(), x2 = (row + 2 * lanes).vector()
                        let x3 = (row + 3 * lanes).vector(), x4 = (row + 4 * lanes).vector(), x5 = (row + 5 * lanes).vector()
                        if s.strideX == 1 {
                            a0.addProduct(w0, x0); a0.addProduct(w1, x1); a0.addProduct(w2, x2)
                            a1.addProduct(w0, x1); a1.addProduct(w1, x2); a1.addProduct(w2, x3)
                            a2.addProduct(w0, x2); a2.addProduct(w1, x3); a2.addProduct(w2, x4)
                            a3.addProduct(w0, x3); a3.addProduct(w1, x4); a3.addProduct(w2, x5)
                        } else {
                            let x6 = (row + 6 * lanes).vector(), x7 = (row + 7 * lanes).vector(), x8 = (row + 8 * lanes).vector()
                            a0.addProduct(w0, x0); a0.addProduct(w1, x1); a0.addProduct(w2, x2)
                            a1.addProduct(w0, x2); a1.addProduct(w1, x3); a1.addProduct(w2, x4)
                            a2.addProduct(w0, x4); a2.addProduct(w1, x5); a2.addProduct(w2, x6)
                            a3.addProduct(w0, x6); a3.addProduct(w1, x7); a3.addProduct(w2, x8)
                        }
                    }
                    let index = oy * s.outWidth + ox
                    finish(a0, index); finish(a1, index + 1); finish(a2, index + 2); finish(a3, index + 3)
                    ox += 4
                }
            }
            while ox + 4 <= interior.1 {
                var a0 = b, a1 = b, a2 = b, a3 = b
                let step = s.strideX * lanes
                for ky in kyRange {
                    let row = source + ((y0 + ky * s.dilationY) * s.width + ox * s.strideX - s.padLeft) * lanes
                    for kx in 0..<kw {
                        let weight = (w + (ky * kw + kx) * lanes).vector(), x = row + kx * s.dilationX * lanes
                        a0.addProduct(weight, x.vector())
                        a1.addProduct(weight, (x + step).vector())
                        a2.addProduct(weight, (x + 2 * step).vector())
                        a3.addProduct(weight, (x + 3 * step).vector())
                    }
                }
                let index = oy * s.outWidth + ox
                finish(a0, index); finish(a1, index + 1); finish(a2, index + 2); finish(a3, index + 3)
                ox += 4
            }
            while ox < s.outWidth { single(ox); ox += 1 }
        }
    }
}

/// The taps t of a window starting at `start` whose position start + t·dilation lies in 0..<size.
@inline(__always)
func clippedTaps(start: Int, dilation: Int, kernel: Int, size: Int) -> Range<Int> {
    let low = start >= 0 ? 0 : (-start + dilation - 1) / dilation
    let high = size - start <= 0 ? 0 : min(kernel, (size - start + dilation - 1) / dilation)
    return min(low, high)..<high
}
