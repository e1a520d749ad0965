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

/// Max and average pooling over windows, vectorized along output rows: each plane is copied
/// into a bordered one (−∞ for max, 0 for average), so windows need no bounds checks.
public enum Pooling {
    public enum Kind: Sendable { case max, average }

    /// Scratch floats one part needs for `shape`: the padded plane and the averages' divisors.
    public static func scratchFloats(_ s: PoolingShape) -> Int {
        let plane = s.paddedPlane
        return plane.count + plane.paddedWidth + plane.paddedHeight
    }

    public static func run(_ kind: Kind, _ s: PoolingShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                           pool: ThreadPool, workspace: Workspace) {
        precondition(workspace.floatsPerPart >= scratchFloats(s), "the workspace is too small for this pooling")
        let plane = s.paddedPlane, pw = plane.paddedWidth
        let start = Vector(repeating: kind == .max ? -.infinity : 0)
        let chunks = min(s.planes, pool.threadCount * ThreadPool.rangesPerThread)
        pool.parallelFor(chunks) { chunk, thread in
            let padded = workspace.scratch(thread)
            // Average pooling divides by the taps each window covers: rows × columns.
            let columnCounts = padded + plane.count, rowCounts = columnCounts + pw
            if kind == .average {
                fill(columnCounts, pw + plane.paddedHeight, 1)
                for x in 0..<plane.rowSpan { columnCounts[x] = Float(s.coveredColumns(atPosition: x)) }
                for oy in 0..<s.outHeight { rowCounts[oy] = Float(s.coveredTaps(oy, axis: 0)) }
            }
            for index in (chunk * s.planes / chunks)..<((chunk + 1) * s.planes / chunks) {
                plane.fill(from: input + index * s.height * s.width, into: padded, border: kind == .max ? -.infinity : 0)
                plane.forEachStep(padded, output: output + index * s.outHeight * s.outWidth, outWidth: s.outWidth,
                                  strideX: s.strideX) { origin, o, oy, x in
                    var a0 = start, a1 = start, a2 = start, a3 = start
                    for ky in 0..<s.kernelHeight {
                        let row = origin + ky * s.dilationY * pw
                        for kx in 0..<s.kernelWidth {
                            let v = row + kx * s.dilationX
                            if kind == .max {
                                a0 = maximum(a0, (v + o.0).vector()); a1 = maximum(a1, (v + o.1).vector())
                                a2 = maximum(a2, (v + o.2).vector()); a3 = maximum(a3, (v + o.3).vector())
                            } else {
                                a0 += (v + o.0).vector(); a1 += (v + o.1).vector()
                                a2 += (v + o.2).vector(); a3 += (v + o.3).vector()
                            }
                        }
                    }
                    guard kind == .average else { return (a0, a1, a2, a3) }
                    // Offsets o.i = row r·strideY·width + column c: recover (r, c) for the divisors.
                    @inline(__always) func divisor(_ offset: Int) -> Vector {
                        let r = offset / (s.strideY * pw), c = offset % (s.strideY * pw)
                        return UnsafePointer(columnCounts + x + c).vector() * rowCounts[min(oy + r, plane.paddedHeight - 1)]
                    }
                    return (a0 / divisor(o.0), a1 / divisor(o.1), a2 / divisor(o.2), a3 / divisor(o.3))
                }
            }
        }
    }

    /// Pooling on channel-blocked tensors (`planes` counts blocks of 16 channels): every window
    /// combines whole vectors, clipped to the image. The window is separable: for one output row
    /// its rows are combined column by column first, then each output combines its columns of
    /// that. Overlapping windows (3×3, stride 2) so read each input vector of a row band once,
    /// not once per window that covers it.
    public static func runBlocked(_ kind: Kind, _ s: PoolingShape, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let lanes = ChannelBlocks.width
        let empty = Vector(repeating: kind == .max ? -.infinity : 0)
        @inline(__always) func combine(_ a: Vector, _ b: Vector) -> Vector { kind == .max ? maximum(a, b) : a + b }
        pool.parallelRanges(s.planes * s.outHeight) { rows in
            withUnsafeTemporaryAllocation(of: Vector.self, capacity: s.width) { columns in
                for task in rows {
                    let plane = task / s.outHeight, oy = task % s.outHeight
                    let source = input + plane * s.height * s.width * lanes
                    let out = output + (plane * s.outHeight + oy) * s.outWidth * lanes
                    let y0 = oy * s.strideY - s.padTop
                    // The window's rows on the image: y0 + ky · dilation in 0..<height.
                    let d = s.dilationY
                    let firstRow = y0 >= 0 ? 0 : (-y0 + d - 1) / d, endRow = min(s.kernelHeight, (s.height - y0 + d - 1) / d)
                    for x in 0..<s.width {
                        var acc = empty
                        for ky in firstRow..<max(firstRow, endRow) {
                            acc = combine(acc, (source + ((y0 + ky * d) * s.width + x) * lanes).vector())
                        }
                        columns[x] = acc
                    }
                    let rowsCovered = s.coveredTaps(oy, axis: 0)
                    for ox in 0..<s.outWidth {
                        let x0 = ox * s.strideX - s.padLeft
                        var acc = empty
                        for kx in 0..<s.kernelWidth {
                            let x = x0 + kx * s.dilationX
                            if x >= 0 && x < s.width { acc = combine(acc, columns[x]) }
                        }
                        if kind == .average { acc /= Float(rowsCovered * s.coveredTaps(ox, axis: 1)) }
                        (out + ox * lanes).store(acc)
                    }
                }
            }
        }
    }

    /// Mean (or max) over each block plane of `size` pixels of 16 channels, into one vector each.
    public static func globalBlocked(_ kind: Kind, planes: Int, size: Int, input: UnsafePointer<Float>,
                                     output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let lanes = ChannelBlocks.width
        pool.parallelRanges(planes) { range in
            for plane in range {
                let source = input + plane * size * lanes
                var acc = Vector(repeating: kind == .max ? -.infinity : 0)
                for p in 0..<size {
                    let v = (source + p * lanes).vector()
                    acc = kind == .max ? maximum(acc, v) : acc + v
                }
                (output + plane * lanes).store(kind == .max ? acc : acc / Float(size))
            }
        }
    }
}

extension PoolingShape {
    var paddedPlane: PaddedPlane {
        PaddedPlane(height: height, width: width, padTop: padTop, padLeft: padLeft, outHeight: outHeight, outWidth: outWidth,
                    kernelHeight: kernelHeight, kernelWidth: kernelWidth, strideY: strideY, strideX: strideX,
                    dilationY: dilationY, dilationX: dilationX)
    }

    /// Columns covered by the window at unit-stride position `x` (output x / strideX when x is a multiple).
    func coveredColumns(atPosition x: Int) -> Int {
        let low = countPadding ? -padLeft : 0, high = countPadding ? width + padRight : width
        var covered = 0
        for tap in 0..<kernelWidth where x - padLeft + tap * dilationX >= low && x - padLeft + tap * dilationX < high { covered += 1 }
        return max(covered, 1)
    }

    /// Taps of window `index` along `axis` (0: rows, 1: columns) that an average counts: those on
    /// the input, plus those on the explicit padding when `countPadding` (never those past it).
    func coveredTaps(_ index: Int, axis: Int) -> Int {
        let (stride, dilation, kernel, pad, size, padEnd) = axis == 0
            ? (strideY, dilationY, kernelHeight, padTop, height, padBottom)
            : (strideX, dilationX, kernelWidth, padLeft, width, padRight)
        let low = countPadding ? -pad : 0, high = countPadding ? size + padEnd : size
        let start = index * stride - pad
        var covered = 0
        for tap in 0..<kernel where start + tap * dilation >= low && start + tap * dilation < high { covered += 1 }
        return max(covered, 1)
    }
}
