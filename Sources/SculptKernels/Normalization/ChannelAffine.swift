/// out = x · scale[c] + shift[c] over NCHW planes: a BatchNormalization that no convolution absorbed.
public struct ChannelAffine: Sendable {
    public let batch: Int
    public let channels: Int
    public let planeSize: Int

    public init(batch: Int, channels: Int, planeSize: Int) {
        self.batch = batch
        self.channels = channels
        self.planeSize = planeSize
    }

    public func run(input: UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>,
                    output: UnsafeMutablePointer<Float>, activation: Activation = .identity, pool: ThreadPool) {
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
