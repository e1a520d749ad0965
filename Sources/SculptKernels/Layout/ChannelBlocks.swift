/// How a feature map is laid out in memory.
public enum TensorLayout: String, Sendable, Equatable, Codable, CustomStringConvertible {
    /// NCHW, as ONNX defines tensors.
    case planar
    /// Channels in blocks of 16 — [N][⌈C/16⌉][H][W][16] (NCHW16c) — with the lanes past the last
    /// channel padded. A pixel's 16 channels are one vector: convolutions store whole vectors,
    /// and depthwise and pooling kernels vectorize across channels whatever the image size.
    case blocked

    public var description: String { rawValue }
}

/// Channel blocks: counts and conversions between the planar and blocked layouts.
public enum ChannelBlocks {
    public static let width = Vector.scalarCount

    /// Blocks that hold `channels` channels.
    public static func count(_ channels: Int) -> Int { (channels + width - 1) / width }

    /// Floats of a blocked tensor of `batch` images of `channels` channels of `plane` pixels.
    public static func floats(batch: Int, channels: Int, plane: Int) -> Int { batch * count(channels) * plane * width }

    /// `source`, in the other layout, converted into `destination` in `layout`.
    public static func convert(_ source: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, to layout: TensorLayout,
                               batch: Int, channels: Int, plane: Int, pool: ThreadPool) {
        switch layout {
        case .blocked: block(source, into: destination, batch: batch, channels: channels, plane: plane, pool: pool)
        case .planar: unblock(source, into: destination, batch: batch, channels: channels, plane: plane, pool: pool)
        }
    }

    /// NCHW → blocked; padded lanes are zeroed. Runs of 16 pixels go through `Transpose16`
    /// (16 channels' vectors in, 16 pixels' vectors out); the last pixels of a plane one by one.
    public static func block(_ planar: UnsafePointer<Float>, into blocked: UnsafeMutablePointer<Float>,
                             batch: Int, channels: Int, plane: Int, pool: ThreadPool) {
        let blocks = count(channels)
        pool.parallelRanges(batch * blocks) { range in
            for task in range {
                let n = task / blocks, b = task % blocks
                let first = b * width, lanes = min(width, channels - first)
                let source = planar + (n * channels + first) * plane
                let out = blocked + (n * blocks + b) * plane * width
                var p = 0
                while p + width <= plane {
                    var t = Transpose16 { l in l < lanes ? (source + l * plane + p).vector() : Vector() }
                    t.transpose()
                    t.store { i, v in (out + (p + i) * width).store(v) }
                    p += width
                }
                if p < plane { (out + p * width).update(repeating: 0, count: (plane - p) * width) }
                for l in 0..<lanes {
                    for q in p..<plane { out[q * width + l] = source[l * plane + q] }
                }
            }
        }
    }

    /// Blocked → NCHW (padded lanes dropped), 16 pixels at a time like `block`.
    ///
    /// Planes a multiple of 4 KiB apart (32 × 32 pixels, 64 × 64) put the 16 stores of a run of
    /// pixels in one L1 set, more than its ways: unblocking 16 × 32 × 32 took up to 3 times as
    /// long as blocking it, or as unblocking 16 × 30 × 30. Such planes are written 8 at a time,
    /// in two passes: on the Zen 5, 16 × 32 × 32 in 0.0016 ms instead of 0.0025, 64 × 64 × 64 in
    /// 0.030 instead of 0.066 (docs/benchmarks.md); other planes ran 20 % slower so.
    public static func unblock(_ blocked: UnsafePointer<Float>, into planar: UnsafeMutablePointer<Float>,
                               batch: Int, channels: Int, plane: Int, pool: ThreadPool) {
        let blocks = count(channels), rowsPerPass = plane % 1024 == 0 ? width / 2 : width
        pool.parallelRanges(batch * blocks) { range in
            for task in range {
                let n = task / blocks, b = task % blocks
                let first = b * width, lanes = min(width, channels - first)
                let source = blocked + (n * blocks + b) * plane * width
                let out = planar + (n * channels + first) * plane
                var p = 0
                for low in stride(from: 0, to: lanes, by: rowsPerPass) {
                    let high = min(lanes, low + rowsPerPass)
                    p = 0
                    while p + width <= plane {
                        var t = Transpose16 { i in (source + (p + i) * width).vector() }
                        t.transpose()
                        t.store { l, v in if l >= low && l < high { (out + l * plane + p).store(v) } }
                        p += width
                    }
                }
                for l in 0..<lanes {
                    for q in p..<plane { out[l * plane + q] = source[q * width + l] }
                }
            }
        }
    }
}

/// 16 vectors of 16 floats transposed in registers: after `transpose()`, vector i holds lane i
/// of every vector loaded, in load order.
///
/// Four rounds of the same step: the vectors in slots i and i + 8, taken as one 32-float run,
/// become its even and its odd floats, in slots 2i and 2i + 1 (one two-source shuffle each). A
/// round moves the slot index's top bit into the lanes and the lanes' low bit into the slot
/// index, so four rounds swap the two, each with its bits reversed; loading vector k into slot
/// reverse(k) and reading vector i from slot reverse(i) undoes the reversal. 64 shuffles for
/// 256 floats, against 256 scalar loads and stores. Every slot is a named value (no indexing),
/// so that all 16 stay in registers.
struct Transpose16 {
    private typealias Slots = (Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector,
                               Vector, Vector, Vector, Vector, Vector, Vector, Vector, Vector)
    private var s: Slots

    /// Loads vector k from `vector(k)`, k = 0..<16, into slot reverse(k).
    @inline(__always) init(_ vector: (Int) -> Vector) {
        s = (vector(0), vector(8), vector(4), vector(12), vector(2), vector(10), vector(6), vector(14),
             vector(1), vector(9), vector(5), vector(13), vector(3), vector(11), vector(7), vector(15))
    }

    @inline(__always) mutating func transpose() {
        @inline(__always) func split(_ a: Vector, _ b: Vector) -> (Vector, Vector) {
            let run = SIMD32<Float>(lowHalf: a, highHalf: b)
            return (run.evenHalf, run.oddHalf)
        }
        for _ in 0..<4 {
            let (w0, w1) = split(s.0, s.8), (w2, w3) = split(s.1, s.9), (w4, w5) = split(s.2, s.10)
            let (w6, w7) = split(s.3, s.11), (w8, w9) = split(s.4, s.12), (w10, w11) = split(s.5, s.13)
            let (w12, w13) = split(s.6, s.14), (w14, w15) = split(s.7, s.15)
            s = (w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12, w13, w14, w15)
        }
    }

    /// Calls `body` with each index i = 0..<16 and vector i of the transposed floats (slot reverse(i)).
    @inline(__always) func store(_ body: (Int, Vector) -> Void) {
        body(0, s.0); body(1, s.8); body(2, s.4); body(3, s.12); body(4, s.2); body(5, s.10); body(6, s.6); body(7, s.14)
        body(8, s.1); body(9, s.9); body(10, s.5); body(11, s.13); body(12, s.3); body(13, s.11); body(14, s.7); body(15, s.15)
    }
}
