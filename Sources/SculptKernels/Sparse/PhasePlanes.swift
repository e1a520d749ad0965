/// A convolution's input split by stride phase, so that every tap of a sparse kernel reads
/// consecutive outputs as one contiguous run of floats.
///
/// The zero-padded input is cut into stride × stride phase planes: plane (py, px) holds the padded
/// pixels (y·s + py, x·s + px). Outputs are computed on a grid `gridWidth` wide (the phase planes'
/// width), flattened: output (oy, ox) is grid position oy · gridWidth + ox, and tap (ky, kx) reads
/// phase plane (ky mod s, kx mod s) at that position plus (ky div s) · gridWidth + (kx div s). So a
/// run of positions is a run of floats for every tap, whatever the stride; positions past the
/// output width are computed and dropped. Each plane has slack at the end for the last tile.
/// Rows are as narrow as the taps allow: a read past a row's end lands on the next row's start,
/// which is as good when both are padding, so at stride 1 the left and right padding share one
/// column and fewer positions are dropped (8 grid columns for a 7-wide output, not 9).
struct PhasePlanes: Sendable {
    let stride: Int
    let channels: Int
    let height: Int
    let width: Int
    let padTop: Int
    let padLeft: Int
    /// Rows and columns of a phase plane.
    let planeRows: Int
    let gridWidth: Int
    /// Floats from one phase plane to the next (rows plus slack).
    let planeStride: Int
    let outHeight: Int
    let outWidth: Int
    /// Grid positions computed: the output rows at `gridWidth`, rounded up to whole tiles.
    let gridCount: Int

    init(shape s: ConvolutionShape, tile: Int) {
        precondition(s.strideX == s.strideY && s.dilationX == 1 && s.dilationY == 1 && s.groups == 1,
                     "phase planes need equal strides, no dilation and one group: \(s)")
        stride = s.strideX
        channels = s.inChannels
        height = s.height
        width = s.width
        padTop = s.padTop
        padLeft = s.padLeft
        outHeight = s.outHeight
        outWidth = s.outWidth
        let paddedHeight = s.height + s.padTop + s.padBottom, paddedWidth = s.width + s.padLeft + s.padRight
        gridWidth = PhasePlanes.narrowestWidth(s, natural: (paddedWidth + stride - 1) / stride)
        planeRows = (paddedHeight + stride - 1) / stride
        gridCount = (outHeight * gridWidth + tile - 1) / tile * tile
        // The furthest read: the last tile's end plus the largest tap offset.
        let reach = gridCount + (s.kernelHeight - 1) / stride * gridWidth + (s.kernelWidth - 1) / stride
        planeStride = max(planeRows * gridWidth, reach)
    }

    /// The narrowest row width from the output width up to `natural` (every padded column stored)
    /// at which each column a tap reads past a row's end is padding, and so is the column of the
    /// next row it lands on.
    static func narrowestWidth(_ s: ConvolutionShape, natural: Int) -> Int {
        let stride = s.strideX
        /// Whether column `column` of phase `px` is padding.
        func padding(_ column: Int, _ px: Int) -> Bool {
            let x = column * stride + px - s.padLeft
            return x < 0 || x >= s.width
        }
        func fits(_ width: Int) -> Bool {
            (0..<s.kernelWidth).allSatisfy { kx in
                let px = kx % stride, last = s.outWidth - 1 + kx / stride
                return last < width || (width...last).allSatisfy { padding($0, px) && padding($0 - width, px) }
            }
        }
        return (s.outWidth..<natural).first(where: fits) ?? natural
    }

    /// Floats from one input channel's planes to the next.
    var channelStride: Int { stride * stride * planeStride }
    var count: Int { channels * channelStride }

    /// Offset of tap (ky, kx) from a channel's first plane.
    func tapOffset(ky: Int, kx: Int) -> Int {
        ((ky % stride) * stride + kx % stride) * planeStride + (ky / stride) * gridWidth + kx / stride
    }

    /// Writes channel `channel` of `input` (planar, one image) into its phase planes, zeros around.
    func fill(channel: Int, from input: UnsafePointer<Float>, into planes: UnsafeMutablePointer<Float>) {
        let source = input + channel * height * width
        let base = planes + channel * channelStride
        // Zeros first, in one go (padding, slack), then the image's pixels over them.
        base.update(repeating: 0, count: channelStride)
        for py in 0..<stride {
            for px in 0..<stride {
                let plane = base + (py * stride + px) * planeStride
                // Columns of this phase that fall inside the image: x = c·s + px − padLeft in 0..<width.
                let first = max(0, (padLeft - px + stride - 1) / stride)
                let last = width - 1 + padLeft - px
                let end = last < 0 ? 0 : min(gridWidth, last / stride + 1)
                guard first < end else { continue }
                let count = end - first, room = width - (first * stride + px - padLeft)
                for r in 0..<planeRows {
                    let row = plane + r * gridWidth + first, y = r * stride + py - padTop
                    guard y >= 0 && y < height else { continue }
                    let from = source + y * width + first * stride + px - padLeft
                    if stride == 1 {
                        row.update(from: from, count: count)
                        continue
                    }
                    // At stride 2, 8 columns are the even lanes of 16 floats, while those lie in the row.
                    var c = 0
                    while stride == 2 && c + 8 <= count && 2 * c + Vector.scalarCount <= room {
                        UnsafeMutableRawPointer(row + c).storeBytes(of: (from + 2 * c).vector().evenHalf, as: SIMD8<Float>.self)
                        c += 8
                    }
                    while c < count {
                        row[c] = from[c * stride]
                        c += 1
                    }
                }
            }
        }
    }
}
