/// The geometry of a 2-D pooling window over NCHW tensors.
public struct PoolingShape: Sendable, Hashable {
    public var planes: Int
    public var height: Int
    public var width: Int
    public var outHeight: Int
    public var outWidth: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var dilationY: Int
    public var dilationX: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    /// Whether padded positions count in the average's divisor (AveragePool's count_include_pad).
    public var countPadding: Bool

    public init(planes: Int, height: Int, width: Int, outHeight: Int, outWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int,
                dilationY: Int = 1, dilationX: Int = 1, padTop: Int, padLeft: Int, padBottom: Int, padRight: Int,
                countPadding: Bool = false) {
        self.planes = planes
        self.height = height
        self.width = width
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.countPadding = countPadding
    }
}

/// Max and average pooling over windows, one plane per task.
public enum Pooling {
    public enum Kind: Sendable { case max, average }

    public static func run(_ kind: Kind, _ s: PoolingShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           pool: ThreadPool) {
        pool.parallelRanges(s.planes) { planes in
            for plane in planes {
                let src = input + plane * s.height * s.width
                let dst = output + plane * s.outHeight * s.outWidth
                for oy in 0..<s.outHeight {
                    let y0 = oy * s.strideY - s.padTop
                    for ox in 0..<s.outWidth {
                        let x0 = ox * s.strideX - s.padLeft
                        var best = -Float.infinity, sum: Float = 0, valid = 0
                        for ky in 0..<s.kernelHeight {
                            let y = y0 + ky * s.dilationY
                            guard y >= 0 && y < s.height else { continue }
                            for kx in 0..<s.kernelWidth {
                                let x = x0 + kx * s.dilationX
                                guard x >= 0 && x < s.width else { continue }
                                let v = src[y * s.width + x]
                                best = max(best, v)
                                sum += v
                                valid += 1
                            }
                        }
                        switch kind {
                        case .max: dst[oy * s.outWidth + ox] = best
                        case .average:
                            dst[oy * s.outWidth + ox] = sum / Float(s.countPadding ? s.paddedWindow(oy: oy, ox: ox) : max(valid, 1))
                        }
                    }
                }
            }
        }
    }

    /// Mean (or max) over each plane of `size` values: GlobalAveragePool, GlobalMaxPool, and
    /// ReduceMean over trailing axes.
    public static func global(_ kind: Kind, planes: Int, size: Int, input: UnsafePointer<Float>,
                              output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let parts = planes * size >= 1 << 16 ? pool.threadCount : 1
        pool.parallelFor(parts) { part in
            for plane in (part * planes / parts)..<((part + 1) * planes / parts) {
                let src = input + plane * size
                var i = 0
                var acc = kind == .max ? Vector(repeating: -.infinity) : Vector()
                while i + Vector.scalarCount <= size {
                    let v = (src + i).vector()
                    acc = kind == .max ? pointwiseMax(acc, v) : acc + v
                    i += Vector.scalarCount
                }
                var result = kind == .max ? acc.max() : acc.sum()
                while i < size {
                    result = kind == .max ? max(result, src[i]) : result + src[i]
                    i += 1
                }
                output[plane] = kind == .max ? result : result / Float(size)
            }
        }
    }
}

extension PoolingShape {
    /// Window size counting padding but not positions past the padded input (ONNX's count_include_pad).
    func paddedWindow(oy: Int, ox: Int) -> Int {
        let y0 = oy * strideY - padTop, x0 = ox * strideX - padLeft
        let y1 = min(y0 + (kernelHeight - 1) * dilationY + 1, height + padBottom)
        let x1 = min(x0 + (kernelWidth - 1) * dilationX + 1, width + padRight)
        let rows = (y1 - y0 + dilationY - 1) / dilationY, columns = (x1 - x0 + dilationX - 1) / dilationX
        return max(1, rows * columns)
    }
}
