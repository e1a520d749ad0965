import SculptKernels

/// Least-squares reconstruction of a pruned convolution's kept weights: on sampled output
/// positions of the calibration images, each filter's kept taps and its bias are re-fitted so
/// that its output matches the dense model's. Filters that keep the same taps (a grouped
/// pattern's block) share one solve with several right-hand sides.
enum Reconstruction {
    /// Least squares for the kept weights and the bias of each set of filters sharing their kept taps.
    static func refit(_ weight: inout [Float], bias: inout [Float], _ s: ConvolutionShape, keep: [Bool], input: [Float], target: [Float],
                      rows: Int, ridge: Float) throws {
        let positions = s.batch * s.outHeight * s.outWidth, taps = s.filterLength
        let step = max(1, positions / rows), samples = Array(stride(from: 0, to: positions, by: step))
        // Filters grouped by their kept taps.
        var sets = [[Int]: [Int]]()
        for f in 0..<s.outChannels {
            let kept = (0..<taps).filter { keep[f * taps + $0] }
            if !kept.isEmpty { sets[kept, default: []].append(f) }
        }
        let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
        for (kept, filters) in sets.sorted(by: { $0.value[0] < $1.value[0] }) {
            // One column per kept tap, then a column of ones for the bias.
            let columns = kept.count + 1
            var a = [Float](repeating: 0, count: samples.count * columns)
            var b = [Float](repeating: 0, count: samples.count * filters.count)
            for (r, p) in samples.enumerated() {
                let n = p / outPlane, oy = (p % outPlane) / s.outWidth, ox = p % s.outWidth
                for (j, k) in kept.enumerated() {
                    let c = k / (s.kernelHeight * s.kernelWidth), ky = (k / s.kernelWidth) % s.kernelHeight, kx = k % s.kernelWidth
                    let iy = oy * s.strideY - s.padTop + ky * s.dilationY, ix = ox * s.strideX - s.padLeft + kx * s.dilationX
                    if iy >= 0 && iy < s.height && ix >= 0 && ix < s.width {
                        a[r * columns + j] = input[(n * s.inChannels + c) * plane + iy * s.width + ix]
                    }
                }
                a[r * columns + kept.count] = 1
                for (j, f) in filters.enumerated() {
                    b[r * filters.count + j] = target[(n * s.outChannels + f) * outPlane + oy * s.outWidth + ox]
                }
            }
            let x = try LinearAlgebra.leastSquares(a, rows: samples.count, columns: columns, b, columns: filters.count, ridge: ridge)
            for (j, f) in filters.enumerated() {
                for (i, k) in kept.enumerated() { weight[f * taps + k] = x[i * filters.count + j] }
                bias[f] = x[kept.count * filters.count + j]
            }
        }
    }
}
