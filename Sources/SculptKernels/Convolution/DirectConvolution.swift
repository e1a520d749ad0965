/// Dense convolution computed directly from the image, without an im2col matrix.
///
/// The register tile is 6 output pixels (5 on a 7 × 7 plane) × a block of 16 filters per vector:
/// for every filter tap k, the kernel loads the block's packed weights and broadcasts each
/// pixel's input, read in place at `pixel base + tap offset`, into one multiply-add per vector.
/// A block is one vector where the CPU has 16 registers (AVX2: 12 of them hold the tile) and
/// four with AVX-512's 32: each input then feeds 64 filters, and the tile's 24 chains keep both
/// multiply-add units busy (with one vector, the broadcasts' loads were the limit: 29–34 against
/// 50–63 GMAC/s on the 64-channel 56² layer, measured on a Xeon with
/// Benchmarks/experiments/direct_tile.c).
///
/// Padding comes from a zero-bordered copy of the image, so the inner loop has no bounds checks;
/// strides, dilations and the input's layout live in the precomputed offsets. The filter depth is
/// summed in registers (through scratch between depth slices), so each output is written once,
/// with bias, residual and activation applied on the way out: as whole vectors when the output
/// is channel-blocked, transposed into the planes when it is planar.
///
/// With `skippingZeros`, blocks are of 16 filters, and each keeps only the taps where one of
/// them has a nonzero weight: grouped kernel patterns with groups of 16 (and connectivity on
/// them) run on the same tile, vectorized across the filters that share a pattern.
public final class DirectConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    /// Output pixels per register tile: 6, or 5 where that wastes fewer positions past the
    /// plane's end (a 7 × 7 plane: 10 tiles of 5 compute 50 positions, 9 tiles of 6 compute 54).
    let pixelsPerTile: Int
    /// Vectors of 16 filters in a block: 1 to 4.
    public let blockVectors: Int
    /// Vectors per block for tiles of `width`: 4 with 512-bit vectors (32 registers), 1 with
    /// 8-lane ones (AVX2's 16 registers).
    public static func blockVectors(for width: VectorWidth) -> Int { width == .w16 ? 4 : 1 }
    /// Floats of one tile's sums.
    private var tileFloats: Int { pixelsPerTile * blockVectors * Vector.scalarCount }
    /// Tiles one task computes for one block of filters: 16, or 8 for blocks of several vectors
    /// (whose sums between slices would crowd the inputs out of L1).
    private static func tilesPerTask(blockVectors: Int) -> Int { blockVectors == 1 ? 16 : 8 }
    /// Filter taps per slice: the sums of a tile stay in registers over a slice's taps, and go
    /// through `partial` between slices. One vector per block (AVX2): 192 taps, 12 KB of weights
    /// that stay in L1 across a task's tiles (chosen with a 32 KB L1). Several vectors (AVX-512):
    /// 1152 taps, 288 KB for 64 filters, streamed from L2 for every tile; on the AVX-512 Xeon
    /// (48 KB L1, 2 MB L2) that beat slices sized for L1 (144 taps, 36 KB) on every ResNet-18
    /// layer: alone (KernelBenchmarks, fastest of rounds) 64@56 1.81 against 1.89 ms, the stem
    /// 2.34 against 2.46, 64->128 s2 0.94 against 0.98; in the model 45.4 against 46.9 ms
    /// (medians of 6 alternating rounds). Whole filters in one slice (4608 taps, 1.2 MB) lost
    /// at 7 x 7.
    private var depthSlice: Int { blockVectors == 1 ? 192 : 1152 }
    /// Weights (floats per group) small enough to stay in L1 whatever the task order.
    static let smallWeights = 4096

    /// Weights per group and block: [taps][16 · vectors], zero-padded past the last filter.
    private let weights: UnsafeMutablePointer<Float>
    private let bias: UnsafeMutablePointer<Float>
    /// Offset of filter tap k (channel, ky, kx) from a pixel's window origin in the padded image:
    /// one table per group, or per block when zeros are skipped.
    private let tapOffsets: UnsafeMutablePointer<Int>
    /// Per (group, block): where its taps start in `tapOffsets`, where its weights start (in
    /// taps), and how many taps it has.
    private let tapStart: [Int]
    private let weightStart: [Int]
    private let tapCount: [Int]
    /// Offset of each output pixel's window origin in the padded image (no divisions per tile).
    private let pixelOffsets: UnsafeMutablePointer<Int>
    private let blocksPerGroup: Int
    /// Output pixels per channel, and the tiles they make (stored: the shape computes them with divisions).
    private let pixels: Int, tiles: Int
    /// The tiles in chunks of `tilesPerTask(blockVectors:)` or a few more, one chunk per task and
    /// block, sizes differing by one at most: a 7² plane's 9 tiles in chunks of 8 and 1 streamed
    /// the block's weights twice, the second time for one tile.
    private let chunks: Int
    /// Tiles of the largest chunk.
    private var tilesPerChunk: Int { (tiles + chunks - 1) / chunks }
    private let plane: PaddedPlane
    private let needsPadding: Bool
    public let inputLayout: TensorLayout
    public let outputLayout: TensorLayout

    /// Whether a blocked output is possible: each group's filters must fill whole channel blocks.
    public static func canWriteBlocked(_ s: ConvolutionShape) -> Bool {
        s.groups == 1 || s.outChannelsPerGroup % ChannelBlocks.width == 0
    }

    /// Packs `weight` ([outChannels][inChannels/groups][kh][kw]) and copies `bias`.
    public init(shape s: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                inputLayout: TensorLayout = .planar, outputLayout: TensorLayout = .planar, skippingZeros: Bool = false,
                blockVectors: Int = DirectConvolution.blockVectors(for: .native)) {
        precondition(outputLayout == .planar || DirectConvolution.canWriteBlocked(s), "\(s) cannot write a blocked output")
        precondition((1...4).contains(blockVectors), "blocks are of 1 to 4 vectors")
        shape = s
        // Zeros are skipped per block of 16 filters: a wider block keeps the union of their taps.
        self.blockVectors = skippingZeros ? 1 : blockVectors
        self.inputLayout = inputLayout
        self.outputLayout = outputLayout
        needsPadding = s.padTop + s.padLeft + s.padBottom + s.padRight > 0
        plane = needsPadding
            ? PaddedPlane(height: s.height, width: s.width, padTop: s.padTop, padLeft: s.padLeft,
                          outHeight: s.outHeight, outWidth: s.outWidth, kernelHeight: s.kernelHeight,
                          kernelWidth: s.kernelWidth, strideY: s.strideY, strideX: s.strideX,
                          dilationY: s.dilationY, dilationX: s.dilationX)
            : PaddedPlane(unpadded: s.height, width: s.width)
        let lanes = self.blockVectors * Vector.scalarCount, depth = s.filterLength
        let blocksPerGroup = (s.outChannelsPerGroup + lanes - 1) / lanes, blocks = s.groups * blocksPerGroup
        self.blocksPerGroup = blocksPerGroup
        // The taps each block keeps: all of them, or those where one of its filters is nonzero.
        let kept: [[Int]] = (0..<blocks).map { gb in
            let g = gb / blocksPerGroup, first = g * s.outChannelsPerGroup + (gb % blocksPerGroup) * lanes
            let filters = first..<min(first + lanes, (g + 1) * s.outChannelsPerGroup)
            return skippingZeros ? (0..<depth).filter { k in filters.contains { weight[$0 * depth + k] != 0 } } : Array(0..<depth)
        }
        tapCount = kept.map(\.count)
        weightStart = tapCount.reduce(into: [0]) { $0.append($0.last! + $1) }
        tapStart = skippingZeros ? Array(weightStart.dropLast()) : (0..<blocks).map { ($0 / blocksPerGroup) * depth }
        weights = .allocateAligned(max(1, weightStart.last! * lanes))
        weights.initialize(repeating: 0, count: max(1, weightStart.last! * lanes))
        for filter in 0..<s.outChannels {
            let g = filter / s.outChannelsPerGroup, f = filter % s.outChannelsPerGroup, gb = g * blocksPerGroup + f / lanes
            let block = weights + weightStart[gb] * lanes + f % lanes
            for (j, k) in kept[gb].enumerated() { block[j * lanes] = weight[filter * depth + k] }
        }
        // Padded to a whole block so the last block's bias loads as whole vectors.
        self.bias = .allocateAligned(s.outChannels + lanes)
        self.bias.initialize(repeating: 0, count: s.outChannels + lanes)
        if let bias { self.bias.update(from: bias, count: s.outChannels) }
        // In floats: a pixel is one float of a planar channel plane, or 16 in a blocked one.
        let pixelFloats = inputLayout == .blocked ? ChannelBlocks.width : 1
        let pixels = s.outHeight * s.outWidth
        self.pixels = pixels
        pixelsPerTile = (pixels + 4) / 5 * 5 < (pixels + 5) / 6 * 6 ? 5 : 6
        tiles = (pixels + pixelsPerTile - 1) / pixelsPerTile
        chunks = max(1, tiles / Self.tilesPerTask(blockVectors: self.blockVectors))
        pixelOffsets = .allocate(capacity: pixels)
        for pixel in 0..<pixels {
            pixelOffsets[pixel] = ((pixel / s.outWidth) * s.strideY * plane.paddedWidth + (pixel % s.outWidth) * s.strideX) * pixelFloats
        }
        // Per group, by absolute input channel: a group may start inside a channel block.
        var groupTaps = [Int]()
        for channel in 0..<s.inChannels {
            let channelOffset = inputLayout == .blocked
                ? (channel / ChannelBlocks.width) * plane.count * ChannelBlocks.width + channel % ChannelBlocks.width
                : channel * plane.count
            for ky in 0..<s.kernelHeight {
                for kx in 0..<s.kernelWidth {
                    groupTaps.append(channelOffset + (ky * s.dilationY * plane.paddedWidth + kx * s.dilationX) * pixelFloats)
                }
            }
        }
        let table = skippingZeros
            ? kept.enumerated().flatMap { gb, taps in taps.map { groupTaps[(gb / blocksPerGroup) * depth + $0] } }
            : groupTaps
        tapOffsets = .allocate(capacity: max(1, table.count))
        tapOffsets.initialize(from: table, count: table.count)
    }

    deinit {
        weights.deallocate()
        bias.deallocate()
        tapOffsets.deallocate()
        pixelOffsets.deallocate()
    }

    /// Per part: the tiles' sums between depth slices; shared: the zero-padded image.
    public var scratchFloats: (perPart: Int, shared: Int) {
        (tilesPerChunk * tileFloats, needsPadding ? inputFloats(plane: plane.count) : 0)
    }

    /// Floats of one image of the input, with `plane` floats per channel plane.
    private func inputFloats(plane: Int) -> Int {
        inputLayout == .blocked ? ChannelBlocks.floats(batch: 1, channels: shape.inChannels, plane: plane) : shape.inChannels * plane
    }

    /// Floats of one image of the output.
    private var outputFloats: Int {
        let plane = shape.outHeight * shape.outWidth
        return outputLayout == .blocked ? ChannelBlocks.floats(batch: 1, channels: shape.outChannels, plane: plane)
            : shape.outChannels * plane
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        let s = shape
        precondition(workspace.sharedFloats >= scratchFloats.shared && workspace.floatsPerPart >= scratchFloats.perPart,
                     "the workspace is too small for \(s)")
        let chunks = self.chunks, tasks = s.groups * blocksPerGroup * chunks
        for n in 0..<s.batch {
            var image = input + n * inputFloats(plane: s.height * s.width)
            if needsPadding {
                pad(image, into: workspace.shared, pool: pool)
                image = UnsafePointer(workspace.shared)
            }
            let outImage = output + n * outputFloats
            let residualImage = residual.map { $0 + n * outputFloats }
            // Consecutive tasks share a filter block, whose weights then stay in cache, unless the
            // weights are small (a 1 × 1 convolution of few channels): then they share the input pixels.
            let blocksInner = s.filterLength * s.outChannelsPerGroup <= DirectConvolution.smallWeights
            // Asked once: a call or a switch inside the tile's epilogue spilled the sums.
            let bounds = activation.clampBounds
            pool.parallelFor(tasks) { task, thread in
                let partial = workspace.scratch(thread)
                let (chunk, block) = blocksInner
                    ? ((task / self.blocksPerGroup) % chunks, task % self.blocksPerGroup)
                    : (task % chunks, (task / chunks) % self.blocksPerGroup)
                let group = task / (chunks * self.blocksPerGroup)
                let tileRange = (chunk * self.tiles / chunks)..<((chunk + 1) * self.tiles / chunks)
                // Slices of the block's taps: a slice's weights stay in L1 while every tile uses them
                // (one empty slice for a block with none, which still writes bias and residual).
                // Equal slices: the 7 × 7 stem's 147 taps in 48-tap slices left a last one of 3,
                // which paid a whole pass of loading and storing the sums.
                let count = self.tapCount[group * self.blocksPerGroup + block]
                let slices = max(1, (count + self.depthSlice - 1) / self.depthSlice), step = max(1, (count + slices - 1) / slices)
                for k0 in stride(from: 0, to: max(count, 1), by: step) {
                    let depth = k0..<min(k0 + step, count)
                    for tile in tileRange {
                        self.computeTile(TileWork(tile: tile, group: group, block: block, depth: depth,
                                                  partial: partial + (tile - tileRange.lowerBound) * self.tileFloats,
                                                  image: image, output: outImage, residual: residualImage,
                                                  activation: activation, bounds: bounds))
                    }
                }
            }
        }
    }

    /// Copies the image into a zero-bordered one, plane by plane (a plane is a channel, or a block of 16).
    private func pad(_ image: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        let s = shape, size = s.height * s.width
        if inputLayout == .blocked {
            let lanes = ChannelBlocks.width
            pool.parallelRanges(ChannelBlocks.count(s.inChannels)) { blocks in
                for b in blocks { self.plane.fillBlocked(from: image + b * size * lanes, into: padded + b * self.plane.count * lanes) }
            }
            return
        }
        pool.parallelRanges(s.inChannels) { channels in
            for channel in channels {
                self.plane.fill(from: image + channel * size, into: padded + channel * self.plane.count, border: 0)
            }
        }
    }

    /// Adds taps `depth` to one tile's sums (kept in `partial` between slices); after the last
    /// slice, writes the tile out.
    @inline(__always)
    private func computeTile(_ work: TileWork) {
        // The last block of a group may have fewer vectors of filters.
        let lanes = Vector.scalarCount
        let vectors = min(blockVectors, (shape.outChannelsPerGroup - work.block * blockVectors * lanes + lanes - 1) / lanes)
        switch vectors {
        case 1: computeTile(OneVector.self, work)
        case 2: computeTile(TwoVectors.self, work)
        case 3: computeTile(ThreeVectors.self, work)
        default: computeTile(FourVectors.self, work)
        }
    }

    /// `computeTile` for tiles of this convolution's pixel count.
    @inline(__always)
    private func computeTile<V: TileVectors>(_: V.Type, _ work: TileWork) {
        if pixelsPerTile == 5 { computeTile(V.self, FivePixels.self, work) } else { computeTile(V.self, SixPixels.self, work) }
    }

    /// `computeTile` for a block of `V.count` vectors and tiles of `P.count` pixels: types, so
    /// that each gets its own code with the unused vectors' and pixels' work folded away.
    @inline(__always)
    private func computeTile<V: TileVectors, P: TilePixels>(_: V.Type, _: P.Type, _ work: TileWork) {
        let (tile, group, block, depth, partial) = (work.tile, work.group, work.block, work.depth, work.partial)
        let (image, output, residual, activation, bounds) = (work.image, work.output, work.residual, work.activation, work.bounds)
        let s = shape, pixels = self.pixels, lanes = Vector.scalarCount, stride = blockVectors * lanes
        let first = tile * P.count
        let valid = min(P.count, pixels - first)
        /// Where the window of output pixel `p` starts; past the last pixel, repeat it (results discarded).
        @inline(__always) func origin(_ p: Int) -> UnsafePointer<Float> {
            image + pixelOffsets[first + min(p, valid - 1)]
        }
        let gb = group * blocksPerGroup + block, count = tapCount[gb]
        let taps = tapOffsets + tapStart[gb]
        let p0 = origin(0), p1 = origin(1), p2 = origin(2), p3 = origin(3), p4 = origin(4), p5 = P.count > 5 ? origin(5) : p4
        var w = UnsafePointer(weights + (weightStart[gb] + depth.lowerBound) * stride)
        var c0 = PixelSums<V>(), c1 = PixelSums<V>(), c2 = PixelSums<V>(), c3 = PixelSums<V>(), c4 = PixelSums<V>(), c5 = PixelSums<V>()
        if depth.lowerBound > 0 {
            c0.load(partial); c1.load(partial + stride); c2.load(partial + 2 * stride)
            c3.load(partial + 3 * stride); c4.load(partial + 4 * stride)
            if P.count > 5 { c5.load(partial + 5 * stride) }
        }
        for k in depth {
            let offset = taps[k]
            let w0 = w.vector(), w1 = V.count > 1 ? (w + lanes).vector() : w0
            let w2 = V.count > 2 ? (w + 2 * lanes).vector() : w0, w3 = V.count > 3 ? (w + 3 * lanes).vector() : w0
            c0.add(p0[offset], w0, w1, w2, w3)
            c1.add(p1[offset], w0, w1, w2, w3)
            c2.add(p2[offset], w0, w1, w2, w3)
            c3.add(p3[offset], w0, w1, w2, w3)
            c4.add(p4[offset], w0, w1, w2, w3)
            if P.count > 5 { c5.add(p5[offset], w0, w1, w2, w3) }
            w += stride
        }
        // The sums leave the registers as arguments or through stored fields, never captured by a
        // closure (captured, they went through the stack on every call); through `partial` when
        // more slices follow, or the output is planar, or the activation is no clamp.
        if depth.upperBound < count || outputLayout == .planar || bounds == nil {
            c0.store(partial); c1.store(partial + stride); c2.store(partial + 2 * stride)
            c3.store(partial + 3 * stride); c4.store(partial + 4 * stride)
            if P.count > 5 { c5.store(partial + 5 * stride) }
            if depth.upperBound < count { return }
        }
        let filter0 = group * s.outChannelsPerGroup + block * stride
        let b = PixelSums<V>(loading: bias + filter0)
        /// Calls `body` with each pixel's sums, as `partial` holds them.
        @inline(__always) func each(_ body: (PixelSums<V>, Int) -> Void) {
            for p in 0..<P.count { body(PixelSums<V>(loading: partial + p * stride), p) }
        }
        if outputLayout == .blocked {
            // Pixel p's filters of vector v are one vector at ((filter0 / 16 + v) · pixels + p) · 16.
            let out = output + (filter0 / lanes * pixels + first) * lanes, vs = pixels * lanes
            let r = residual.map { $0 + (filter0 / lanes * pixels + first) * lanes }
            if let bounds {
                let lo = bounds.lower, hi = bounds.upper
                c0.write(to: out, vectorStride: vs, bias: b, residual: r, lower: lo, upper: hi)
                if valid > 1 { c1.write(to: out + lanes, vectorStride: vs, bias: b, residual: r.map { $0 + lanes }, lower: lo, upper: hi) }
                if valid > 2 { c2.write(to: out + 2 * lanes, vectorStride: vs, bias: b, residual: r.map { $0 + 2 * lanes }, lower: lo, upper: hi) }
                if valid > 3 { c3.write(to: out + 3 * lanes, vectorStride: vs, bias: b, residual: r.map { $0 + 3 * lanes }, lower: lo, upper: hi) }
                if valid > 4 { c4.write(to: out + 4 * lanes, vectorStride: vs, bias: b, residual: r.map { $0 + 4 * lanes }, lower: lo, upper: hi) }
                if P.count > 5 && valid > 5 { c5.write(to: out + 5 * lanes, vectorStride: vs, bias: b, residual: r.map { $0 + 5 * lanes }, lower: lo, upper: hi) }
                return
            }
            // Any other activation: from `partial`, vector by vector.
            each { c, p in
                guard p < valid else { return }
                c.each { x, v in
                    let at = v * vs + p * lanes
                    var y = x + b[v]
                    if let r { y += (r + at).vector() }
                    if let z = activation.inlineForm(y) {
                        (out + at).store(z)
                    } else {
                        (out + at).store(y)
                        activation.apply(out + at, count: lanes)
                    }
                }
            }
            return
        }
        let filters = min(V.count * lanes, s.outChannelsPerGroup - block * stride)
        // The tile holds pixels × filters; NCHW wants each filter's pixels together, so it goes
        // out through a small buffer, transposed, with the residual added on the way.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: P.count * stride) { buffer in
            let t = buffer.baseAddress!, width = V.count * lanes
            each { c, p in c.each { x, v in (t + p * width + v * lanes).store(x + b[v]) } }
            let out = output + filter0 * pixels + first
            if let residual {
                let r = residual + filter0 * pixels + first
                for f in 0..<filters {
                    for p in 0..<valid { t[p * width + f] += r[f * pixels + p] }
                }
            }
            if activation != .identity { activation.apply(t, count: valid * width) }
            for f in 0..<filters {
                for p in 0..<valid { out[f * pixels + p] = t[p * width + f] }
            }
        }
    }
}

/// What one call of the tile kernel computes: taps `depth` of a tile for a block of filters.
private struct TileWork {
    let tile: Int, group: Int, block: Int, depth: Range<Int>
    /// The tile's sums between depth slices.
    let partial: UnsafeMutablePointer<Float>
    let image: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?
    let activation: Activation, bounds: (lower: Float, upper: Float)?
}

/// Pixels of a register tile, as a type (like `TileVectors`).
private protocol TilePixels { static var count: Int { get } }
private enum FivePixels: TilePixels { static var count: Int { 5 } }
private enum SixPixels: TilePixels { static var count: Int { 6 } }

/// One pixel's sums over a block of `V.count` vectors of filters (the rest are never touched).
private struct PixelSums<V: TileVectors> {
    var v0 = Vector(), v1 = Vector(), v2 = Vector(), v3 = Vector()

    init() {}

    /// The block's vectors from `pointer`, one after the other.
    @inline(__always) init(loading pointer: UnsafePointer<Float>) { load(pointer) }

    @inline(__always) mutating func load(_ pointer: UnsafePointer<Float>) {
        let n = Vector.scalarCount
        v0 = pointer.vector()
        if V.count > 1 { v1 = (pointer + n).vector() }
        if V.count > 2 { v2 = (pointer + 2 * n).vector() }
        if V.count > 3 { v3 = (pointer + 3 * n).vector() }
    }

    @inline(__always) mutating func load(_ pointer: UnsafeMutablePointer<Float>) { load(UnsafePointer(pointer)) }

    @inline(__always) func store(_ pointer: UnsafeMutablePointer<Float>) {
        each { x, v in (pointer + v * Vector.scalarCount).store(x) }
    }

    /// Stores vector v at `pointer + v · vectorStride`, with `bias`'s vector v and the residual
    /// (laid out like the output) added and clamped to `lower...upper`: field by field, so that
    /// the sums stay in registers. Transparent, like `clamp`: with `@inline(__always)` it stayed
    /// a call that took the sums by address.
    @_transparent func write(to pointer: UnsafeMutablePointer<Float>, vectorStride: Int, bias: PixelSums,
                             residual: UnsafePointer<Float>?, lower: Float, upper: Float) {
        finish(v0, bias.v0, at: pointer, residual: residual, lower, upper)
        if V.count > 1 { finish(v1, bias.v1, at: pointer + vectorStride, residual: residual.map { $0 + vectorStride }, lower, upper) }
        if V.count > 2 { finish(v2, bias.v2, at: pointer + 2 * vectorStride, residual: residual.map { $0 + 2 * vectorStride }, lower, upper) }
        if V.count > 3 { finish(v3, bias.v3, at: pointer + 3 * vectorStride, residual: residual.map { $0 + 3 * vectorStride }, lower, upper) }
    }

    /// Adds `x` times each vector of weights: one broadcast, one multiply-add per vector.
    @inline(__always) mutating func add(_ x: Float, _ w0: Vector, _ w1: Vector, _ w2: Vector, _ w3: Vector) {
        let b = Vector(repeating: x)
        v0.addProduct(b, w0)
        if V.count > 1 { v1.addProduct(b, w1) }
        if V.count > 2 { v2.addProduct(b, w2) }
        if V.count > 3 { v3.addProduct(b, w3) }
    }

    @inline(__always) subscript(v: Int) -> Vector { v == 0 ? v0 : v == 1 ? v1 : v == 2 ? v2 : v3 }

    /// Calls `body` with each vector and its index.
    @inline(__always) func each(_ body: (Vector, Int) -> Void) {
        body(v0, 0)
        if V.count > 1 { body(v1, 1) }
        if V.count > 2 { body(v2, 2) }
        if V.count > 3 { body(v3, 3) }
    }
}

/// Stores `x + b` at `at`, plus the residual's vector there, clamped to `lower...upper`.
@_transparent
private func finish(_ x: Vector, _ b: Vector, at: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    _ lower: Float, _ upper: Float) {
    var y = x + b
    if let residual { y += residual.vector() }
    at.store(clamp(y, lower, upper))
}
