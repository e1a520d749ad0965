import Foundation

/// Softmax over one axis of a tensor seen as [outer, size, inner] (inner = 1 for the last axis).
public struct Softmax: Sendable {
    public let outer: Int
    public let size: Int
    public let inner: Int

    public init(outer: Int, size: Int, inner: Int) {
        self.outer = outer
        self.size = size
        self.inner = inner
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let groups = outer * inner
        pool.parallelRanges(groups, work: groups * size, minimumWork: 1 << 14) { range in
            for group in range {
                let o = group / inner, i = group % inner
                let base = o * size * inner + i
                if inner == 1 {
                    self.lastAxis(input + base, output + base)
                } else {
                    var peak = -Float.infinity
                    for k in 0..<size { peak = max(peak, input[base + k * inner]) }
                    var total: Float = 0
                    for k in 0..<size {
                        let e = Foundation.exp(input[base + k * inner] - peak)
                        output[base + k * inner] = e
                        total += e
                    }
                    for k in 0..<size { output[base + k * inner] /= total }
                }
            }
        }
    }

    @inline(__always)
    private func lastAxis(_ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>) {
        let lanes = Vector.scalarCount
        var peaks = Vector(repeating: -.infinity), i = 0
        while i + lanes <= size { peaks = maximum(peaks, (x + i).vector()); i += lanes }
        var peak = peaks.max()
        while i < size { peak = max(peak, x[i]); i += 1 }
        var sums = Vector()
        i = 0
        while i + lanes <= size {
            let e = VectorMath.exp((x + i).vector() - peak)
            (out + i).store(e)
            sums += e
            i += lanes
        }
        var total = sums.sum()
        while i < size {
            out[i] = Foundation.exp(x[i] - peak)
            total += out[i]
            i += 1
        }
        let inverse = 1 / total
        i = 0
        while i + lanes <= size { (out + i).store((out + i).vector() * inverse); i += lanes }
        while i < size { out[i] *= inverse; i += 1 }
    }
}
