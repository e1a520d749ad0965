/// out = x · scale[c] + shift[c] over each channel's plane: a BatchNormalization that no
/// convolution absorbed.
public struct ChannelAffine: Sendable {
    public let batch: Int
    public let channels: Int
    public let planeSize: Int
    public let layout: TensorLayout

    public init(batch: Int, channels: Int, planeSize: Int, layout: TensorLayout = .planar) {
        self.batch = batch
        self.channels = channels
        self.planeSize = planeSize
        self.layout = layout
    }

    /// `scale` and `shift` hold one value per channel (padded to whole blocks when blocked).
    public func run(input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, activation: Activation = .identity, pool: ThreadPool) {
        if layout == .blocked {
            let lanes = ChannelBlocks.width, blocks = ChannelBlocks.count(channels)
            pool.parallelRanges(batch * blocks) { range in
                for plane in range {
                    let b = plane % blocks, x = input + plane * self.planeSize * lanes, out = output + plane * self.planeSize * lanes
                    let s = UnsafePointer(scale + b * lanes).vector(), t = UnsafePointer(shift + b * lanes).vector()
                    for p in 0..<self.planeSize { (out + p * lanes).store((x + p * lanes).vector() * s + t) }
                    activation.apply(out, count: self.planeSize * lanes)
                }
            }
            return
        }
        let planes = batch * channels
        pool.parallelRanges(planes) { range in
            for plane in range {
                let c = plane % self.channels
                let x = input + plane * self.planeSize, out = output + plane * self.planeSize
                let s = scale[c], t = shift[c]
                var i = 0
                while i + Vector.scalarCount <= self.planeSize {
                    (out + i).store((x + i).vector() * s + t)
                    i += Vector.scalarCount
                }
                while i < self.planeSize {
                    out[i] = x[i] * s + t
                    i += 1
                }
                activation.apply(out, count: self.planeSize)
            }
        }
    }
}
