/// How a feature map is laid out in memory.
public enum TensorLayout: Sendable, Equatable, CustomStringConvertible {
    /// NCHW, as ONNX defines tensors.
    case planar
    /// Channels in blocks of 16 — [N][⌈C/16⌉][H][W][16] (NCHW16c) — with the lanes past the last
    /// channel padded. A pixel's 16 channels are one vector: convolutions store whole vectors,
    /// and depthwise and pooling kernels vectorize across channels whatever the image size.
    case blocked

    public var description: String { self == .planar ? "planar" : "blocked" }
}

/// Channel blocks: counts and conversions between the planar and blocked layouts.
public enum ChannelBlocks {
    public static let width = Vector.scalarCount

    /// Blocks that hold `channels` channels.
    public static func count(_ channels: Int) -> Int { (channels + width - 1) / width }

    /// Floats of a blocked tensor of `batch` images of `channels` channels of `plane` pixels.
    public static func floats(batch: Int, channels: Int, plane: Int) -> Int { batch * count(channels) * plane * width }

    /// NCHW → blocked; padded lanes are zeroed.
    public static func block(_ planar: UnsafePointer<Float>, into blocked: UnsafeMutablePointer<Float>,
                             batch: Int, channels: Int, plane: Int, pool: ThreadPool) {
        let blocks = count(channels)
        pool.parallelRanges(batch * blocks) { range in
            for task in range {
                let n = task / blocks, b = task % blocks
                let first = b * width, lanes = min(width, channels - first)
                let out = blocked + (n * blocks + b) * plane * width
                if lanes < width { out.update(repeating: 0, count: plane * width) }
                for l in 0..<lanes {
                    let source = planar + (n * channels + first + l) * plane
                    for p in 0..<plane { out[p * width + l] = source[p] }
                }
            }
        }
    }

    /// Blocked → NCHW (padded lanes dropped).
    public static func unblock(_ blocked: UnsafePointer<Float>, into planar: UnsafeMutablePointer<Float>,
                               batch: Int, channels: Int, plane: Int, pool: ThreadPool) {
        let blocks = count(channels)
        pool.parallelRanges(batch * blocks) { range in
            for task in range {
                let n = task / blocks, b = task % blocks
                let first = b * width, lanes = min(width, channels - first)
                let source = blocked + (n * blocks + b) * plane * width
                for l in 0..<lanes {
                    let out = planar + (n * channels + first + l) * plane
                    for p in 0..<plane { out[p] = source[p * width + l] }
                }
            }
        }
    }
}
