/// Packs panels of the im2col matrix of one image and group straight from the NCHW input,
/// without materializing it: element (pixel, k) with k = (channel, ky, kx) is the input value
/// the filter tap k sees at output pixel `pixel` (zero in the padding).
struct Im2ColPacker: PanelPacker {
    let shape: ConvolutionShape
    /// The first input channel of the group, in the image.
    let input: UnsafePointer<Float>

    func pack(panels: Range<Int>, k0: Int, depth: Int, width: Int, into destination: UnsafeMutablePointer<Float>) {
        let s = shape
        let pixels = s.outHeight * s.outWidth, taps = s.kernelHeight * s.kernelWidth
        let plane = s.height * s.width
        var out = destination
        // Runs of the panel's pixels that share an output row; on the stack, as packing runs per inference.
        withUnsafeTemporaryAllocation(of: PixelRun.self, capacity: width) { runs in
        for panel in panels {
            let p0 = panel * width, valid = min(width, pixels - p0)
            var runCount = 0, p = 0
            while p < valid {
                let oy = (p0 + p) / s.outWidth, ox = (p0 + p) % s.outWidth
                let count = min(valid - p, s.outWidth - ox)
                runs[runCount] = PixelRun(offset: p, count: count, iy: oy * s.strideY - s.padTop, ix: ox * s.strideX - s.padLeft)
                runCount += 1
                p += count
            }
            if valid < width { fill(out, depth * width, 0) }
            var channel = k0 / taps, tap = k0 % taps
            for kk in 0..<depth {
                let ky = tap / s.kernelWidth, kx = tap % s.kernelWidth
                let source = input + channel * plane
                let row = out + kk * width
                for run in runs[..<runCount] {
                    let iy = run.iy + ky * s.dilationY
                    let dst = row + run.offset
                    guard iy >= 0 && iy < s.height else {
                        fill(dst, run.count, 0)
                        continue
                    }
                    let ix = run.ix + kx * s.dilationX
                    let line = source + iy * s.width
                    if s.strideX == 1 {
                        // Valid x positions form one contiguous stretch of the input row.
                        let lo = min(max(0, -ix), run.count), hi = max(lo, min(run.count, s.width - ix))
                        if lo == 0 && hi == Vector.scalarCount {
                            dst.store((line + ix).vector())
                            continue
                        }
                        if lo > 0 { fill(dst, lo, 0) }
                        if hi > lo { (dst + lo).update(from: line + ix + lo, count: hi - lo) }
                        if hi < run.count { fill(dst + hi, run.count - hi, 0) }
                    } else {
                        for t in 0..<run.count {
                            let x = ix + t * s.strideX
                            dst[t] = x >= 0 && x < s.width ? line[x] : 0
                        }
                    }
                }
                tap += 1
                if tap == taps { tap = 0; channel += 1 }
            }
            out += depth * width
        }
        }
    }
}

/// Output pixels of one panel that lie on one output row: where they sit in the panel, how
/// many there are, and the input position the first one's window starts at.
struct PixelRun {
    var offset: Int
    var count: Int
    var iy: Int
    var ix: Int
}
