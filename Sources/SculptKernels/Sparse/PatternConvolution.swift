import CPrefetch

/// Convolution with a sparse weight, computing only the taps that are kept: kernel patterns
/// (PatDNN), grouped kernel patterns, connectivity and N:M of 1x1 convolutions all run on it.
///
/// A weight is packed into blocks of `blockFilters` output channels; each block keeps the taps
/// (input channel, ky, kx) where any of its filters has a nonzero weight, so filters that share a
/// pattern (grouped patterns, G a multiple of 4) share every input load: a tap of a 4-filter block
/// loads a tile's vectors of consecutive outputs and multiplies each into 4 accumulators. A tile
/// is up to 6 vectors (24 accumulators) where the CPU has 32 vector registers, 3 (12) where it
/// has 16; a plane's vectors are shared out evenly among its tiles, so that no tile is much
/// shorter than the others and at most one vector is computed past the plane's end. With one
/// filter per block (per-kernel patterns, N:M) a tap is 8 loads into 8 accumulators. The input is staged in phase planes (`PhasePlanes`) so that every
/// tap is a contiguous load at any stride; the raw sums go to a grid in scratch, and a last pass
/// adds bias and residual, drops the grid's extra columns and applies the activation.
///
/// Cache blocking: a block's taps are cut into slices of `channelSlice(stride:)` input channels,
/// whose input rows for one tile stay in L1 while every block of a group uses them; blocks go in
/// groups whose packed weights fit in L2. So inputs are read from L1 and weights stream from L2.
/// A group's taps are stored in the order the first tile reads them, slice by slice and in each
/// slice block by block, so that they come from memory as one sequential stream that the
/// hardware prefetches (in a whole network a layer's weights are not in cache; stored block by
/// block, the first tile jumped from block to block every kilobyte or two).
///
/// Zeros in the weight are what is pruned: a mask is applied by zeroing, and packing skips taps
/// that are zero in the whole block.
public final class PatternConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    /// Output channels that share one list of taps: 4 or 1.
    public let blockFilters: Int
    /// Taps packed (per block), and multiply-adds per output position over all filters.
    public let packedTaps: Int
    private let planes: PhasePlanes
    /// The width of the vectors its register tiles are made of.
    public let width: VectorWidth
    /// Where each tile starts on the grid, and its vectors of positions.
    private let tileStart: [Int]
    let tileVectors: [Int]
    private let blocks: Int
    /// Blocks whose packed taps are read together, from L2 (see the cache blocking above).
    private let blocksPerGroup: Int
    /// The packed taps of (block, channel slice), at index block · slices + slice.
    private let tapRange: UnsafeMutablePointer<Range<Int>>
    private let slices: Int
    /// Each packed tap: where it reads in the phase planes (an Int32, in floats), then the
    /// block's `blockFilters` weights; one stream of 20 bytes per tap of a 4-filter block.
    private let tapData: UnsafeMutableRawPointer
    private let bias: UnsafeMutablePointer<Float>

    /// Shapes it runs: one group, equal strides, no dilation.
    public static func supports(_ s: ConvolutionShape) -> Bool {
        s.groups == 1 && s.strideX == s.strideY && s.dilationX == 1 && s.dilationY == 1
    }

    /// Packs the nonzero taps of `weight` ([outChannels][inChannels][kh][kw]) in blocks of `blockFilters` (1 or 4).
    public init(shape s: ConvolutionShape, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                blockFilters: Int, width: VectorWidth = .native) {
        precondition(PatternConvolution.supports(s), "pattern convolution does not run \(s)")
        precondition(blockFilters == 1 || blockFilters == 4, "blocks are of 1 or 4 filters")
        shape = s
        self.blockFilters = blockFilters
        self.width = width
        let vectorsPerTile = blockFilters == 1 ? 8 : width == .w16 ? 6 : 3
        let planes = PhasePlanes(shape: s, tile: vectorsPerTile * width.lanes)
        self.planes = planes
        let vectors = (s.outHeight * planes.gridWidth + width.lanes - 1) / width.lanes
        tileVectors = blockFilters == 1 ? Array(repeating: 8, count: (vectors + 7) / 8) : Self.tiles(vectors: vectors, most: vectorsPerTile)
        tileStart = tileVectors.reduce(into: [0]) { $0.append($0.last! + $1 * width.lanes) }.dropLast()
        let blocks = (s.outChannels + blockFilters - 1) / blockFilters
        self.blocks = blocks
        let taps = s.kernelHeight * s.kernelWidth, filterLength = s.inChannels * taps
        let channelSlice = Self.channelSlice(stride: s.strideX)
        let slices = (s.inChannels + channelSlice - 1) / channelSlice
        self.slices = slices
        /// The kept taps of one block's channel slice: where they read, and the block's weights.
        func kept(block: Int, slice: Int) -> (offsets: [Int], weights: [Float]) {
            let filters = (block * blockFilters)..<min(s.outChannels, (block + 1) * blockFilters)
            var offsets = [Int](), weights = [Float]()
            for c in (slice * channelSlice)..<min(s.inChannels, (slice + 1) * channelSlice) {
                for ky in 0..<s.kernelHeight {
                    for kx in 0..<s.kernelWidth {
                        let at = c * taps + ky * s.kernelWidth + kx
                        guard filters.contains(where: { weight[$0 * filterLength + at] != 0 }) else { continue }
                        offsets.append(c * planes.channelStride + planes.tapOffset(ky: ky, kx: kx))
                        for f in 0..<blockFilters {
                            weights.append(filters.contains(filters.lowerBound + f) ? weight[(filters.lowerBound + f) * filterLength + at] : 0)
                        }
                    }
                }
            }
            return (offsets, weights)
        }
        let packed = (0..<blocks * slices).map { kept(block: $0 / slices, slice: $0 % slices) }
        packedTaps = packed.reduce(0) { $0 + $1.offsets.count }
        precondition(planes.count <= Int(Int32.max), "phase planes of \(s) are too large for 32-bit tap offsets")
        let tapBytes = Self.tapBytes(blockFilters: blockFilters)
        blocksPerGroup = max(1, Self.weightsInL2 / max(1, packedTaps / max(blocks, 1) * tapBytes))
        tapRange = .allocate(capacity: max(1, blocks * slices))
        tapData = .allocate(byteCount: max(1, packedTaps) * tapBytes, alignment: 64)
        var next = 0
        for first in stride(from: 0, to: blocks, by: blocksPerGroup) {
            for slice in 0..<slices {
                for block in first..<min(blocks, first + blocksPerGroup) {
                    let (offsets, weights) = packed[block * slices + slice]
                    for (i, offset) in offsets.enumerated() {
                        let tap = tapData + (next + i) * tapBytes
                        tap.storeBytes(of: Int32(offset), as: Int32.self)
                        for f in 0..<blockFilters { tap.storeBytes(of: weights[i * blockFilters + f], toByteOffset: 4 * (1 + f), as: Float.self) }
                    }
                    (tapRange + block * slices + slice).initialize(to: next..<(next + offsets.count))
                    next += offsets.count
                }
            }
        }
        self.bias = .allocate(capacity: s.outChannels)
        if let bias { self.bias.initialize(from: bias, count: s.outChannels) } else { self.bias.initialize(repeating: 0, count: s.outChannels) }
    }

    deinit {
        tapRange.deallocate()
        tapData.deallocate()
        bias.deallocate()
    }

    /// Bytes of a packed tap: its offset and the block's weights.
    static func tapBytes(blockFilters: Int) -> Int { 4 * (1 + blockFilters) }

    /// Input channels per slice, whose rows for one tile stay in L1: 32 at stride 1 (64 overflowed
    /// it on wide planes), 16 at stride 2, where a tile reads 4 phase planes (measured with
    /// `PatternBenchmarks`: 32 took up to 40 % longer on the 56² stride-2 layer, 8 was no better).
    static func channelSlice(stride: Int) -> Int { stride == 1 ? 32 : 16 }
    /// Bytes of packed weights (values and offsets) of a group of blocks, kept in L2.
    static let weightsInL2 = 256 * 1024
    /// How far ahead of the tap being computed its stream is prefetched, in bytes (about 200
    /// taps). In a whole network a layer's taps come from memory, and the hardware prefetcher
    /// alone left 512 → 512 at 7² (5.2 MB of taps, each used once per image) at 0.73–0.79 ms
    /// against 0.53 with its taps in cache; prefetched 1280 bytes ahead 0.57–0.61, 5120 ahead
    /// 0.54–0.58 (Zen 5, ResNet-18 with G = 4, `sculpt bench --profile`).
    static let prefetchDistance = 4096

    /// Shared: the phase planes of one image and the grid of raw sums of every filter.
    public var scratchFloats: (perPart: Int, shared: Int) { (0, planes.count + blocks * blockFilters * planes.gridCount) }

    /// Vectors per tile to cover `vectors` vectors of positions with tiles of at most `most`:
    /// as few tiles as that allows, their sizes differing by one at most, none under 2 (a tile of
    /// 2 vectors still has 8 accumulators, enough that no multiply-add waits for the one before).
    static func tiles(vectors: Int, most: Int) -> [Int] {
        let count = (max(2, vectors) + most - 1) / most, size = max(2, vectors) / count, longer = max(2, vectors) % count
        return (0..<count).map { $0 < longer ? size + 1 : size }
    }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        precondition(workspace.sharedFloats >= scratchFloats.shared, "the workspace is too small for \(shape)")
        let s = shape, staged = workspace.shared, grid = staged + planes.count
        let inputSize = s.inChannels * s.height * s.width, outputSize = s.outChannels * s.outHeight * s.outWidth
        // Tiles go in chunks, and groups of blocks too when a small plane has too few chunks to
        // keep every thread busy. Each tile of a unit meets every block of a group, one channel
        // slice after the other.
        let tiles = tileVectors.count, tilesPerChunk = 8
        let tileChunks = (tiles + tilesPerChunk - 1) / tilesPerChunk
        let groups = (blocks + blocksPerGroup - 1) / blocksPerGroup
        let groupChunks = min(groups, max(1, (ThreadPool.rangesPerThread * pool.threadCount + tileChunks - 1) / tileChunks))
        for image in 0..<s.batch {
            let source = input + image * inputSize
            pool.parallelFor(s.inChannels) { c in self.planes.fill(channel: c, from: source, into: staged) }
            pool.parallelFor(tileChunks * groupChunks) { unit, _ in
                let chunk = unit / groupChunks, part = unit % groupChunks
                let tileRange = (chunk * tilesPerChunk)..<min(tiles, (chunk + 1) * tilesPerChunk)
                for g in (part * groups / groupChunks)..<((part + 1) * groups / groupChunks) {
                    let group = (g * self.blocksPerGroup)..<min(self.blocks, (g + 1) * self.blocksPerGroup)
                    for t in tileRange {
                        for slice in 0..<self.slices {
                            for block in group { self.compute(block: block, slice: slice, tile: t, staged: staged, grid: grid) }
                        }
                    }
                }
            }
            let out = output + image * outputSize
            let res = residual.map { $0 + image * outputSize }
            pool.parallelFor(s.outChannels) { f in self.finish(filter: f, grid: grid, output: out, residual: res, activation: activation) }
        }
    }

    /// The taps of one channel slice of one block on one tile, added to the sums of the slices before.
    @inline(__always)
    private func compute(block: Int, slice: Int, tile t: Int, staged: UnsafeMutablePointer<Float>, grid: UnsafeMutablePointer<Float>) {
        let taps = tapRange[block * slices + slice]
        let position = tileStart[t], origin = UnsafeRawPointer(staged + position)
        let out = UnsafeMutableRawPointer(grid + block * blockFilters * planes.gridCount + position), first = slice == 0
        switch (blockFilters, width, tileVectors[t]) {
        case (4, .w8, 3): fourFilters(SIMD8<Float>.self, ThreeVectors.self, taps, origin, out, first)
        case (4, .w8, _): fourFilters(SIMD8<Float>.self, TwoVectors.self, taps, origin, out, first)
        case (4, .w16, 6): fourFilters(SIMD16<Float>.self, SixVectors.self, taps, origin, out, first)
        case (4, .w16, 5): fourFilters(SIMD16<Float>.self, FiveVectors.self, taps, origin, out, first)
        case (4, .w16, 4): fourFilters(SIMD16<Float>.self, FourVectors.self, taps, origin, out, first)
        case (4, .w16, 3): fourFilters(SIMD16<Float>.self, ThreeVectors.self, taps, origin, out, first)
        case (4, .w16, _): fourFilters(SIMD16<Float>.self, TwoVectors.self, taps, origin, out, first)
        case (_, .w8, _): oneFilter(SIMD8<Float>.self, taps, origin, out, first)
        case (_, .w16, _): oneFilter(SIMD16<Float>.self, taps, origin, out, first)
        }
    }

    /// 4 filters × `T.count` vectors of positions: each tap's input loads feed 4 × `T.count`
    /// multiply-adds. The count is a type, so each gets its own code with the work of the vectors
    /// it does not have folded away.
    @inline(__always)
    private func fourFilters<V: SIMD, T: TileVectors>(_: V.Type, _: T.Type, _ taps: Range<Int>, _ origin: UnsafeRawPointer,
                                                      _ out: UnsafeMutableRawPointer, _ first: Bool) where V.Scalar == Float {
        let row = planes.gridCount * 4
        var a0 = PositionSums<V, T>(), a1 = PositionSums<V, T>(), a2 = PositionSums<V, T>(), a3 = PositionSums<V, T>()
        if !first { a0.load(out); a1.load(out + row); a2.load(out + 2 * row); a3.load(out + 3 * row) }
        for t in taps {
            let tap = UnsafeRawPointer(tapData + t * Self.tapBytes(blockFilters: 4))
            sculpt_prefetch(tap + Self.prefetchDistance)
            let inputs = PositionSums<V, T>(loading: origin + Int(tap.load(as: Int32.self)) * 4)
            let w = (tap + 4).assumingMemoryBound(to: Float.self)
            a0.add(w[0], inputs); a1.add(w[1], inputs); a2.add(w[2], inputs); a3.add(w[3], inputs)
        }
        a0.store(out); a1.store(out + row); a2.store(out + 2 * row); a3.store(out + 3 * row)
    }

    /// One filter × 8 vectors of positions: enough independent chains to hide the multiply-add latency.
    @inline(__always)
    private func oneFilter<V: SIMD>(_: V.Type, _ taps: Range<Int>, _ origin: UnsafeRawPointer,
                                    _ o: UnsafeMutableRawPointer, _ first: Bool) where V.Scalar == Float {
        let n = 4 * V.scalarCount
        @inline(__always) func load(_ v: Int) -> V { first ? V() : (o + v * n).loadUnaligned(as: V.self) }
        var a0 = load(0), a1 = load(1), a2 = load(2), a3 = load(3), a4 = load(4), a5 = load(5), a6 = load(6), a7 = load(7)
        for t in taps {
            let tap = UnsafeRawPointer(tapData + t * Self.tapBytes(blockFilters: 1)), p = origin + Int(tap.load(as: Int32.self)) * 4
            sculpt_prefetch(tap + Self.prefetchDistance)
            let w = V(repeating: tap.load(fromByteOffset: 4, as: Float.self))
            a0.addProduct(w, p.loadUnaligned(as: V.self)); a1.addProduct(w, (p + n).loadUnaligned(as: V.self))
            a2.addProduct(w, (p + 2 * n).loadUnaligned(as: V.self)); a3.addProduct(w, (p + 3 * n).loadUnaligned(as: V.self))
            a4.addProduct(w, (p + 4 * n).loadUnaligned(as: V.self)); a5.addProduct(w, (p + 5 * n).loadUnaligned(as: V.self))
            a6.addProduct(w, (p + 6 * n).loadUnaligned(as: V.self)); a7.addProduct(w, (p + 7 * n).loadUnaligned(as: V.self))
        }
        o.storeBytes(of: a0, as: V.self); (o + n).storeBytes(of: a1, as: V.self)
        (o + 2 * n).storeBytes(of: a2, as: V.self); (o + 3 * n).storeBytes(of: a3, as: V.self)
        (o + 4 * n).storeBytes(of: a4, as: V.self); (o + 5 * n).storeBytes(of: a5, as: V.self)
        (o + 6 * n).storeBytes(of: a6, as: V.self); (o + 7 * n).storeBytes(of: a7, as: V.self)
    }

    /// Output plane `filter`: the grid's valid columns, then bias and residual added and the
    /// activation applied over the plane as one run (whole vectors even when rows are short),
    /// in the same pass where the activation has a vector form.
    private func finish(filter: Int, grid: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        residual: UnsafePointer<Float>?, activation: Activation) {
        let s = shape, size = s.outHeight * s.outWidth
        let sums = grid + filter * planes.gridCount, out = output + filter * size
        for oy in 0..<s.outHeight { copyShortRow(from: sums + oy * planes.gridWidth, to: out + oy * s.outWidth, count: s.outWidth) }
        let extra = residual.map { $0 + filter * size }
        let b = Vector(repeating: bias[filter]), lanes = Vector.scalarCount, inline = activation.isInlinable
        var i = 0
        while i + lanes <= size {
            var v = (out + i).vector() + b
            if let extra { v += (extra + i).vector() }
            (out + i).store(inline ? activation.inlineForm(v)! : v)
            i += lanes
        }
        let done = inline ? i : 0
        while i < size {
            out[i] += bias[filter] + (extra?[i] ?? 0)
            i += 1
        }
        activation.apply(out + done, count: size - done)
    }
}

/// `T.count` consecutive vectors of positions: a filter's sums over a tile, or the inputs one
/// tap reads for it (the vectors past `T.count` are never touched).
private struct PositionSums<V: SIMD, T: TileVectors> where V.Scalar == Float {
    var v0 = V(), v1 = V(), v2 = V(), v3 = V(), v4 = V(), v5 = V()

    init() {}

    @inline(__always) init(loading pointer: UnsafeRawPointer) {
        let n = 4 * V.scalarCount
        v0 = pointer.loadUnaligned(as: V.self)
        if T.count > 1 { v1 = (pointer + n).loadUnaligned(as: V.self) }
        if T.count > 2 { v2 = (pointer + 2 * n).loadUnaligned(as: V.self) }
        if T.count > 3 { v3 = (pointer + 3 * n).loadUnaligned(as: V.self) }
        if T.count > 4 { v4 = (pointer + 4 * n).loadUnaligned(as: V.self) }
        if T.count > 5 { v5 = (pointer + 5 * n).loadUnaligned(as: V.self) }
    }

    @inline(__always) mutating func load(_ pointer: UnsafeMutableRawPointer) { self = Self(loading: pointer) }

    @inline(__always) func store(_ pointer: UnsafeMutableRawPointer) {
        let n = 4 * V.scalarCount
        pointer.storeBytes(of: v0, as: V.self)
        if T.count > 1 { (pointer + n).storeBytes(of: v1, as: V.self) }
        if T.count > 2 { (pointer + 2 * n).storeBytes(of: v2, as: V.self) }
        if T.count > 3 { (pointer + 3 * n).storeBytes(of: v3, as: V.self) }
        if T.count > 4 { (pointer + 4 * n).storeBytes(of: v4, as: V.self) }
        if T.count > 5 { (pointer + 5 * n).storeBytes(of: v5, as: V.self) }
    }

    /// Adds `weight` times `inputs`: one broadcast, one multiply-add per vector.
    @inline(__always) mutating func add(_ weight: Float, _ inputs: Self) {
        let w = V(repeating: weight)
        v0.addProduct(w, inputs.v0)
        if T.count > 1 { v1.addProduct(w, inputs.v1) }
        if T.count > 2 { v2.addProduct(w, inputs.v2) }
        if T.count > 3 { v3.addProduct(w, inputs.v3) }
        if T.count > 4 { v4.addProduct(w, inputs.v4) }
        if T.count > 5 { v5.addProduct(w, inputs.v5) }
    }
}

/// Copies `count` floats in whole vectors, the last one overlapping the one before: the rows of
/// small planes (7, 14, 28 floats) are too short to pay for a call to memmove.
@inline(__always)
private func copyShortRow(from: UnsafePointer<Float>, to: UnsafeMutablePointer<Float>, count: Int) {
    @inline(__always) func copy<V: SIMD>(_: V.Type, at x: Int) where V.Scalar == Float {
        UnsafeMutableRawPointer(to + x).storeBytes(of: UnsafeRawPointer(from + x).loadUnaligned(as: V.self), as: V.self)
    }
    if count >= 8 {
        for x in stride(from: 0, to: count - 8, by: 8) { copy(SIMD8<Float>.self, at: x) }
        copy(SIMD8<Float>.self, at: count - 8)
    } else if count >= 4 {
        copy(SIMD4<Float>.self, at: 0)
        copy(SIMD4<Float>.self, at: count - 4)
    } else {
        to.update(from: from, count: count)
    }
}
