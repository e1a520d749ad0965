/// Convolution with a sparse weight, computing only the taps that are kept: kernel patterns
/// (PatDNN), grouped kernel patterns, connectivity and N:M of 1x1 convolutions all run on it.
///
/// A weight is packed into blocks of `blockFilters` output channels; each block keeps the taps
/// (input channel, ky, kx) where any of its filters has a nonzero weight, so filters that share a
/// pattern (grouped patterns, G a multiple of 4) share every input load: a tap of a 4-filter block
/// loads 3 vectors of consecutive outputs and multiplies them into 12 accumulators. With one
/// filter per block (per-kernel patterns, N:M) a tap is 8 loads into 8 accumulators. The input
/// is staged in phase planes (`PhasePlanes`) so that every tap is a contiguous load at any stride;
/// the raw sums go to a grid in scratch, and a last pass adds bias and residual, drops the grid's
/// extra columns and applies the activation.
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
    private let width: VectorWidth
    private let tile: Int
    private let blocks: Int
    private let tapStart: UnsafeMutablePointer<Int>
    private let tapOffset: UnsafeMutablePointer<Int>
    private let tapWeight: UnsafeMutablePointer<Float>
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
        tile = blockFilters == 4 ? 3 * width.lanes : 8 * width.lanes
        planes = PhasePlanes(shape: s, tile: tile)
        blocks = (s.outChannels + blockFilters - 1) / blockFilters
        let taps = s.kernelHeight * s.kernelWidth, filterLength = s.inChannels * taps
        var offsets = [Int](), weights = [Float](), starts = [0]
        for block in 0..<blocks {
            let filters = (block * blockFilters)..<min(s.outChannels, (block + 1) * blockFilters)
            for c in 0..<s.inChannels {
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
            starts.append(offsets.count)
        }
        packedTaps = offsets.count
        tapStart = .allocate(capacity: starts.count)
        tapStart.initialize(from: starts, count: starts.count)
        tapOffset = .allocate(capacity: max(1, offsets.count))
        tapOffset.initialize(from: offsets, count: offsets.count)
        tapWeight = .allocate(capacity: max(1, weights.count))
        tapWeight.initialize(from: weights, count: weights.count)
        self.bias = .allocate(capacity: s.outChannels)
        if let bias { self.bias.initialize(from: bias, count: s.outChannels) } else { self.bias.initialize(repeating: 0, count: s.outChannels) }
    }

    deinit {
        tapStart.deallocate()
        tapOffset.deallocate()
        tapWeight.deallocate()
        bias.deallocate()
    }

    /// Bytes of packed weights (values and offsets) that the tile-outer order keeps in L2.
    static let weightsInL2 = 384 * 1024

    /// Shared: the phase planes of one image and the grid of raw sums of every filter.
    public var scratchFloats: (perPart: Int, shared: Int) { (0, planes.count + blocks * blockFilters * planes.gridCount) }

    public func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
                    activation: Activation, pool: ThreadPool, workspace: Workspace) {
        precondition(workspace.sharedFloats >= scratchFloats.shared, "the workspace is too small for \(shape)")
        let s = shape, staged = workspace.shared, grid = staged + planes.count
        let inputSize = s.inChannels * s.height * s.width, outputSize = s.outChannels * s.outHeight * s.outWidth
        // Tiles go in chunks; blocks are split too when a small plane has too few chunks to keep
        // every thread busy. While the packed weights fit in L2, each tile meets every block in
        // turn, so its input rows stay in L1 and only weights stream; larger weights are read
        // once, block by block, each sweeping a chunk of tiles whose rows stay in L2.
        let tiles = planes.gridCount / tile, tilesPerChunk = 8
        let tileChunks = (tiles + tilesPerChunk - 1) / tilesPerChunk
        let blockChunks = min(blocks, max(1, (ThreadPool.rangesPerThread * pool.threadCount + tileChunks - 1) / tileChunks))
        let tileOuter = packedTaps * (blockFilters + 2) * 4 <= Self.weightsInL2
        for image in 0..<s.batch {
            let source = input + image * inputSize
            pool.parallelFor(s.inChannels) { c in self.planes.fill(channel: c, from: source, into: staged) }
            pool.parallelFor(tileChunks * blockChunks) { unit, _ in
                let chunk = unit / blockChunks, part = unit % blockChunks
                let tileRange = (chunk * tilesPerChunk)..<min(tiles, (chunk + 1) * tilesPerChunk)
                let blockRange = (part * self.blocks / blockChunks)..<((part + 1) * self.blocks / blockChunks)
                if tileOuter {
                    for t in tileRange { for block in blockRange { self.compute(block: block, tiles: t..<(t + 1), planes: staged, grid: grid) } }
                } else {
                    for block in blockRange { self.compute(block: block, tiles: tileRange, planes: staged, grid: grid) }
                }
            }
            let out = output + image * outputSize
            let res = residual.map { $0 + image * outputSize }
            pool.parallelFor(s.outChannels) { f in self.finish(filter: f, grid: grid, output: out, residual: res, activation: activation) }
        }
    }

    private func compute(block: Int, tiles: Range<Int>, planes staged: UnsafeMutablePointer<Float>, grid: UnsafeMutablePointer<Float>) {
        let taps = tapStart[block]..<tapStart[block + 1]
        let sums = grid + block * blockFilters * planes.gridCount
        for t in tiles {
            let position = t * tile
            switch (blockFilters, width) {
            case (4, .w8): fourFilters(SIMD8<Float>.self, taps, staged, position, sums)
            case (4, .w16): fourFilters(SIMD16<Float>.self, taps, staged, position, sums)
            case (_, .w8): oneFilter(SIMD8<Float>.self, taps, staged, position, sums)
            case (_, .w16): oneFilter(SIMD16<Float>.self, taps, staged, position, sums)
            }
        }
    }

    /// 4 filters × 3 vectors of positions: each tap's loads feed 12 multiply-adds.
    @inline(__always)
    private func fourFilters<V: SIMD>(_: V.Type, _ taps: Range<Int>, _ staged: UnsafeMutablePointer<Float>, _ position: Int,
                                      _ sums: UnsafeMutablePointer<Float>) where V.Scalar == Float {
        let n = V.scalarCount
        var a00 = V(), a01 = V(), a02 = V(), a10 = V(), a11 = V(), a12 = V()
        var a20 = V(), a21 = V(), a22 = V(), a30 = V(), a31 = V(), a32 = V()
        let origin = UnsafeRawPointer(staged + position)
        for t in taps {
            let p = origin + tapOffset[t] * 4
            let i0 = p.loadUnaligned(as: V.self), i1 = (p + 4 * n).loadUnaligned(as: V.self), i2 = (p + 8 * n).loadUnaligned(as: V.self)
            let w = tapWeight + 4 * t
            let w0 = V(repeating: w[0]), w1 = V(repeating: w[1]), w2 = V(repeating: w[2]), w3 = V(repeating: w[3])
            a00.addProduct(w0, i0); a01.addProduct(w0, i1); a02.addProduct(w0, i2)
            a10.addProduct(w1, i0); a11.addProduct(w1, i1); a12.addProduct(w1, i2)
            a20.addProduct(w2, i0); a21.addProduct(w2, i1); a22.addProduct(w2, i2)
            a30.addProduct(w3, i0); a31.addProduct(w3, i1); a32.addProduct(w3, i2)
        }
        let g = planes.gridCount
        let out = UnsafeMutableRawPointer(sums + position)
        func store(_ row: Int, _ a: V, _ b: V, _ c: V) {
            let o = out + row * g * 4
            o.storeBytes(of: a, as: V.self); (o + 4 * n).storeBytes(of: b, as: V.self); (o + 8 * n).storeBytes(of: c, as: V.self)
        }
        store(0, a00, a01, a02); store(1, a10, a11, a12); store(2, a20, a21, a22); store(3, a30, a31, a32)
    }

    /// One filter × 8 vectors of positions: enough independent chains to hide the multiply-add latency.
    @inline(__always)
    private func oneFilter<V: SIMD>(_: V.Type, _ taps: Range<Int>, _ staged: UnsafeMutablePointer<Float>, _ position: Int,
                                    _ sums: UnsafeMutablePointer<Float>) where V.Scalar == Float {
        let n = 4 * V.scalarCount
        var a0 = V(), a1 = V(), a2 = V(), a3 = V(), a4 = V(), a5 = V(), a6 = V(), a7 = V()
        let origin = UnsafeRawPointer(staged + position)
        for t in taps {
            let p = origin + tapOffset[t] * 4, w = V(repeating: tapWeight[t])
            a0.addProduct(w, p.loadUnaligned(as: V.self)); a1.addProduct(w, (p + n).loadUnaligned(as: V.self))
            a2.addProduct(w, (p + 2 * n).loadUnaligned(as: V.self)); a3.addProduct(w, (p + 3 * n).loadUnaligned(as: V.self))
            a4.addProduct(w, (p + 4 * n).loadUnaligned(as: V.self)); a5.addProduct(w, (p + 5 * n).loadUnaligned(as: V.self))
            a6.addProduct(w, (p + 6 * n).loadUnaligned(as: V.self)); a7.addProduct(w, (p + 7 * n).loadUnaligned(as: V.self))
        }
        let o = UnsafeMutableRawPointer(sums + position)
        o.storeBytes(of: a0, as: V.self); (o + n).storeBytes(of: a1, as: V.self)
        (o + 2 * n).storeBytes(of: a2, as: V.self); (o + 3 * n).storeBytes(of: a3, as: V.self)
        (o + 4 * n).storeBytes(of: a4, as: V.self); (o + 5 * n).storeBytes(of: a5, as: V.self)
        (o + 6 * n).storeBytes(of: a6, as: V.self); (o + 7 * n).storeBytes(of: a7, as: V.self)
    }

    /// Output plane `filter`: the grid's valid columns plus bias and residual, then the activation.
    private func finish(filter: Int, grid: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>,
                        residual: UnsafePointer<Float>?, activation: Activation) {
        let s = shape, size = s.outHeight * s.outWidth
        let sums = grid + filter * planes.gridCount, out = output + filter * size
        let b = Vector(repeating: bias[filter]), lanes = Vector.scalarCount
        for oy in 0..<s.outHeight {
            let from = sums + oy * planes.gridWidth, to = out + oy * s.outWidth
            let extra = residual.map { $0 + filter * size + oy * s.outWidth }
            var x = 0
            while x + lanes <= s.outWidth {
                var v = (from + x).vector() + b
                if let extra { v += (extra + x).vector() }
                (to + x).store(v)
                x += lanes
            }
            while x < s.outWidth {
                to[x] = from[x] + bias[filter] + (extra?[x] ?? 0)
                x += 1
            }
        }
        activation.apply(out, count: size)
    }
}

/// The width of the vectors a kernel's register tile is made of.
public enum VectorWidth: Sendable {
    case w8, w16

    public var lanes: Int { self == .w8 ? 8 : 16 }

    /// 16 floats where the CPU has 512-bit vectors (32 registers for the tile), 8 elsewhere
    /// (AVX2's 16 registers, NEON's 32 of 4 floats).
    public static let native: VectorWidth = CPUFeatures.current.contains("avx512f") ? .w16 : .w8
}
