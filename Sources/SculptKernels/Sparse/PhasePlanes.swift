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
        let image = input..<(input + channels * height * width)
        // Zeros first, in one go (padding rows, slack), then every row that holds pixels, whole.
        base.update(repeating: 0, count: channelStride)
        for py in 0..<stride {
            // The plane rows r whose input row y = r·stride + py − padTop is in the image.
            let last = height - 1 + padTop - py, first = max(0, (padTop - py + stride - 1) / stride)
            let rows = first..<max(first, last < 0 ? 0 : min(planeRows, last / stride + 1))
            for px in 0..<stride {
                let plane = base + (py * stride + px) * planeStride
                let firstRow = source + (rows.lowerBound * stride + py - padTop) * width
                fillRows(plane + rows.lowerBound * gridWidth, from: firstRow, step: stride * width, rows: rows.count, phase: px, image: image)
            }
        }
    }

    /// Writes `rows` rows of phase `px`'s plane, from the input rows `step` floats apart: column k
    /// holds pixel x = k·stride + px − padLeft, or zero where that is outside the row. At strides 1
    /// and 2, column by column in runs of 8 (the last run overlapping the one before), each one
    /// vector load per row — the even lanes of two at stride 2 — with the columns outside the row
    /// zeroed by a mask made once per run. Rows of 7 or 14 columns copied float by float took 16 %
    /// of 256 → 512 at 14² stride 2; the same runs with their mask made on every row, 22 %; runs
    /// of 16 at stride 1 were no faster than these.
    private func fillRows(_ out: UnsafeMutablePointer<Float>, from input: UnsafePointer<Float>, step: Int, rows: Int,
                          phase px: Int, image: Range<UnsafePointer<Float>>) {
        guard rows > 0 else { return }
        /// Columns `columns` of every row, float by float.
        func copy(_ columns: Range<Int>) {
            for r in 0..<rows {
                for c in columns {
                    let x = c * stride + px - padLeft
                    out[r * gridWidth + c] = x >= 0 && x < width ? input[r * step + x] : 0
                }
            }
        }
        guard (stride == 1 || stride == 2) && gridWidth >= 8 else { return copy(0..<gridWidth) }
        for start in Swift.stride(from: 0, to: gridWidth, by: 8) {
            let first = min(start, gridWidth - 8), x = first * stride + px - padLeft
            // x outside 0...width − 1 exactly where x · (width − 1 − x) < 0: one float compare
            // (integer compares, and two joined by an or, went lane by lane through the stack).
            let xs = Float(x) + SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7) * Float(stride)
            let outside = xs * (Float(width - 1) - xs) .< 0
            // A run reads 16 floats from x on each row: past the image only at its very start or
            // end (the first and last channels), whose runs go float by float.
            guard input + x >= image.lowerBound && input + (rows - 1) * step + x + 16 <= image.upperBound else {
                copy(first..<(first + 8))
                continue
            }
            for r in 0..<rows {
                let run = (input + r * step + x).vector(), pixels = stride == 1 ? run.lowHalf : run.evenHalf
                UnsafeMutableRawPointer(out + r * gridWidth + first).storeBytes(of: pixels.replacing(with: 0, where: outside), as: SIMD8<Float>.self)
            }
        }
    }
}
