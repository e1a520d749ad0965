/// The explicit im2col matrix: what the OpenBLAS baseline multiplies the weights with.
public enum Im2Col {
    /// Writes the (filterLength × pixels) matrix of image 0, group 0 of `s` into `columns`.
    public static func materialize(_ s: ConvolutionShape, input: UnsafePointer<Float>, into columns: UnsafeMutablePointer<Float>) {
        let pixels = s.outHeight * s.outWidth
        var row = columns
        for channel in 0..<s.inChannelsPerGroup {
            let plane = input + channel * s.height * s.width
            for ky in 0..<s.kernelHeight {
                for kx in 0..<s.kernelWidth {
                    for oy in 0..<s.outHeight {
                        let iy = oy * s.strideY - s.padTop + ky * s.dilationY
                        let line = row + oy * s.outWidth
                        guard iy >= 0 && iy < s.height else {
                            line.update(repeating: 0, count: s.outWidth)
                            continue
                        }
                        for ox in 0..<s.outWidth {
                            let ix = ox * s.strideX - s.padLeft + kx * s.dilationX
                            line[ox] = ix >= 0 && ix < s.width ? plane[iy * s.width + ix] : 0
                        }
                    }
                    row += pixels
                }
            }
        }
    }
}
