/// A convolution's input split by stride phase, so that every tap of a sparse kernel reads
/// consecutive outputs as one contiguous run of floats.
///
/// The zero-padded input is cut into stride × stride phase planes: plane (py, px) holds the padded
/// pixels (y·s + py, x·s + px). Outputs are computed on a grid `gridWidth` wide (the phase planes'
/// width), flattened: output (oy, ox) is grid position oy · gridWidth + ox, and tap (ky, kx) reads
/// phase plane (ky mod s, kx mod s) at that position plus (ky div s) · gridWidth + (kx div s). So a
/// run of positions is a run of floats for every tap, whatever the stride; positions past the
/// output width are computed and dropped. Each plane has slack at the end for the last tile.
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
        gridWidth = (paddedWidth + stride - 1) / stride
        planeRows = (paddedHeight + stride - 1) / stride
        gridCount = (outHeight * gridWidth + tile - 1) / tile * tile
        // The furthest read: the last tile's end plus the largest tap offset.
        let reach = gridCount + (s.kernelHeight - 1) / stride * gridWidth + (s.kernelWidth - 1) / stride
        planeStride = max(planeRows * gridWidth, reach)
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
        for py in 0..<stride {
            for px in 0..<stride {
                let plane = base + (py * stride + px) * planeStride
                // Columns of this phase that fall inside the image: x = c·s + px − padLeft in 0..<width.
                let first = max(0, (padLeft - px + stride - 1) / stride)
                let last = width - 1 + padLeft - px
                let end = last < 0 ? 0 : min(gridWidth, last / stride + 1)
                for r in 0..<planeRows {
                    let row = plane + r * gridWidth, y = r * stride + py - padTop
                    guard y >= 0 && y < height, first < end else {
                        row.update(repeating: 0, count: gridWidth)
                        continue
                    }
                    row.update(repeating: 0, count: first)
                    let from = source + y * width + first * stride + px - padLeft
                    if stride == 1 {
                        row.advanced(by: first).update(from: from, count: end - first)
                    } else {
                        for c in 0..<(end - first) { row[first + c] = from[c * stride] }
                    }
                    (row + end).update(repeating: 0, count: gridWidth - end)
                }
                (plane + planeRows * gridWidth).update(repeating: 0, count: planeStride - planeRows * gridWidth)
            }
        }
    }
}
