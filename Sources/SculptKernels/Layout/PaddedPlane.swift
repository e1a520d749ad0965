/// A 2-D plane copied into scratch with a border, so that sliding-window kernels read whole
/// vectors without bounds checks: the border covers the padding, windows that ceil mode lets
/// run past it, and the overrun of the vectors computed past the end of a row.
///
/// Kernels compute windows at unit horizontal stride over `rowSpan` positions and keep every
/// `strideX`-th: for the strides networks use (1, 2) that costs less than gathering strided
/// inputs for every tap.
struct PaddedPlane {
    let height: Int
    let width: Int
    let padTop: Int
    let padLeft: Int
    let paddedHeight: Int
    let paddedWidth: Int
    /// Window positions computed per output row (at unit stride) to cover `outWidth` outputs.
    let rowSpan: Int
    let outHeight: Int
    let strideY: Int
    /// The four accumulators of a step cover `vectorsPerRow` vectors of `rowsPerStep` rows: a
    /// narrow plane (a 7 × 7 or 14 × 14 feature map) fills them with rows instead of columns.
    let vectorsPerRow: Int
    let rowsPerStep: Int
    /// Unit strides in both directions: the plane is one flat row of positions, output (y, x) at
    /// y · paddedWidth + x, so a step never stops at the end of a row (positions in the border
    /// columns are computed and dropped).
    let flattened: Bool
    let outWidth: Int

    /// Vectors a sliding-window kernel computes together: four independent accumulators hide
    /// the latency of the multiply-adds.
    static let vectorsPerStep = 4

    /// Sizes the border for windows of `kernel` taps `dilation` apart, `stride` apart, over `outHeight` × `outWidth` outputs.
    init(height: Int, width: Int, padTop: Int, padLeft: Int, outHeight: Int, outWidth: Int,
         kernelHeight: Int, kernelWidth: Int, strideY: Int, strideX: Int, dilationY: Int, dilationX: Int,
         flatten: Bool = false) {
        self.height = height
        self.width = width
        self.padTop = padTop
        self.padLeft = padLeft
        self.outHeight = outHeight
        self.outWidth = outWidth
        self.strideY = strideY
        let lanes = Vector.scalarCount, step = PaddedPlane.vectorsPerStep * lanes
        flattened = flatten && strideX == 1 && strideY == 1
        if flattened {
            paddedWidth = max(padLeft + width, outWidth + (kernelWidth - 1) * dilationX)
            rowSpan = (outHeight - 1) * paddedWidth + outWidth
            vectorsPerRow = PaddedPlane.vectorsPerStep
            rowsPerStep = 1
            // The last step reads up to its last position's window end.
            let reach = (rowSpan + step - 1) / step * step + (kernelHeight - 1) * dilationY * paddedWidth + (kernelWidth - 1) * dilationX
            paddedHeight = max(padTop + height, (reach + paddedWidth - 1) / paddedWidth)
            return
        }
        rowSpan = (outWidth - 1) * strideX + 1
        let vectors = (rowSpan + lanes - 1) / lanes
        vectorsPerRow = vectors >= 3 ? PaddedPlane.vectorsPerStep : vectors
        rowsPerStep = PaddedPlane.vectorsPerStep / vectorsPerRow
        let computedWidth = (vectors + vectorsPerRow - 1) / vectorsPerRow * vectorsPerRow * lanes
        let computedRows = (outHeight + rowsPerStep - 1) / rowsPerStep * rowsPerStep
        paddedWidth = max(padLeft + width, computedWidth + (kernelWidth - 1) * dilationX)
        paddedHeight = max(padTop + height, (computedRows - 1) * strideY + (kernelHeight - 1) * dilationY + 1)
    }

    /// A plane read in place, without a border.
    init(unpadded height: Int, width: Int) {
        self.height = height
        self.width = width
        padTop = 0
        padLeft = 0
        paddedHeight = height
        paddedWidth = width
        rowSpan = width
        outHeight = height
        outWidth = width
        strideY = 1
        vectorsPerRow = 1
        rowsPerStep = 1
        flattened = false
    }

    var count: Int { paddedHeight * paddedWidth }

    /// Positions one step covers along a row.
    var stepWidth: Int { vectorsPerRow * Vector.scalarCount }

    /// Copies `plane` (height × width) into `destination`, with `border` everywhere else.
    func fill(from plane: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>, border: Float) {
        let pw = paddedWidth
        SculptKernels.fill(destination, padTop * pw, border)
        for y in 0..<height {
            let row = destination + (padTop + y) * pw
            SculptKernels.fill(row, padLeft, border)
            (row + padLeft).update(from: plane + y * width, count: width)
            SculptKernels.fill(row + padLeft + width, pw - padLeft - width, border)
        }
        SculptKernels.fill(destination + (padTop + height) * pw, (paddedHeight - padTop - height) * pw, border)
    }

    /// Copies a blocked plane (height × width pixels of 16 channels) into `destination`, with
    /// zero pixels everywhere else; rows are `paddedWidth` pixels.
    func fillBlocked(from plane: UnsafePointer<Float>, into destination: UnsafeMutablePointer<Float>) {
        let lanes = Vector.scalarCount, pw = paddedWidth * lanes
        SculptKernels.fill(destination, padTop * pw, 0)
        for y in 0..<height {
            let row = destination + (padTop + y) * pw
            SculptKernels.fill(row, padLeft * lanes, 0)
            (row + padLeft * lanes).update(from: plane + y * width * lanes, count: width * lanes)
            SculptKernels.fill(row + (padLeft + width) * lanes, pw - (padLeft + width) * lanes, 0)
        }
        SculptKernels.fill(destination + (padTop + height) * pw, (paddedHeight - padTop - height) * pw, 0)
    }

    /// Computes every output of a plane, four vectors of window positions per step.
    ///
    /// `step(origin, offsets, row, x)` returns the four vectors for the windows that start at
    /// `origin + offsets.i` (output row `row`, position `x` of the first); this driver stores
    /// them, keeping every `strideX`-th position, and skips those past the plane's edge.
    @inline(__always)
    func forEachStep(_ padded: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, outWidth: Int, strideX: Int,
                     _ step: (UnsafePointer<Float>, (Int, Int, Int, Int), Int, Int) -> (Vector, Vector, Vector, Vector)) {
        let lanes = Vector.scalarCount, v = vectorsPerRow
        @inline(__always) func offset(_ i: Int) -> Int { (i / v) * strideY * paddedWidth + (i % v) * lanes }
        let offsets = (offset(0), offset(1), offset(2), offset(3))
        if flattened {
            for x in stride(from: 0, to: rowSpan, by: stepWidth) {
                let sums = step(padded + x, offsets, 0, x)
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * lanes) { buffer in
                    let t = buffer.baseAddress!
                    t.store(sums.0); (t + lanes).store(sums.1); (t + 2 * lanes).store(sums.2); (t + 3 * lanes).store(sums.3)
                    // Positions x… map to (row, column); columns past outWidth are border, dropped.
                    let end = min(x + stepWidth, rowSpan)
                    var position = x, row = x / paddedWidth, column = x - row * paddedWidth
                    while position < end {
                        let count = min(end - position, max(0, outWidth - column))
                        for i in 0..<count { output[row * outWidth + column + i] = t[position - x + i] }
                        position += paddedWidth - column
                        row += 1
                        column = 0
                    }
                }
            }
            return
        }
        for oy in stride(from: 0, to: outHeight, by: rowsPerStep) {
            let rows = min(rowsPerStep, outHeight - oy)
            for x in stride(from: 0, to: rowSpan, by: stepWidth) {
                let sums = step(padded + oy * strideY * paddedWidth + x, offsets, oy, x)
                let count = min(stepWidth, rowSpan - x)
                if strideX == 1 && rowsPerStep == 1 {
                    PaddedPlane.store(sums, to: output + oy * outWidth + x, count: count)
                    continue
                }
                withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * lanes) { buffer in
                    let t = buffer.baseAddress!
                    t.store(sums.0); (t + lanes).store(sums.1); (t + 2 * lanes).store(sums.2); (t + 3 * lanes).store(sums.3)
                    for r in 0..<rows {
                        let positions = UnsafePointer(t + r * stepWidth), out = output + (oy + r) * outWidth
                        if strideX == 1 {
                            (out + x).update(from: positions, count: count)
                        } else {
                            // Outputs whose window starts in this step: positions x…x+count−1 that are multiples of strideX.
                            let first = (x + strideX - 1) / strideX, last = min(outWidth, (x + count + strideX - 1) / strideX)
                            if first < last {
                                PaddedPlane.subsample(positions + (first * strideX - x), stride: strideX, into: out + first, count: last - first)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Writes the first `count` of four vectors.
    @inline(__always)
    static func store(_ v: (Vector, Vector, Vector, Vector), to out: UnsafeMutablePointer<Float>, count: Int) {
        let lanes = Vector.scalarCount
        if count == 4 * lanes {
            out.store(v.0); (out + lanes).store(v.1); (out + 2 * lanes).store(v.2); (out + 3 * lanes).store(v.3)
            return
        }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * lanes) { buffer in
            let t = buffer.baseAddress!
            t.store(v.0); (t + lanes).store(v.1); (t + 2 * lanes).store(v.2); (t + 3 * lanes).store(v.3)
            out.update(from: t, count: count)
        }
    }

    /// Keeps every `stride`-th of the positions in `row` as the `count` outputs at `out`.
    @inline(__always)
    static func subsample(_ row: UnsafePointer<Float>, stride: Int, into out: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { out[i] = row[i * stride] }
    }
}
