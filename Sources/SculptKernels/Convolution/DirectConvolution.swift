/// Dense convolution computed directly from the image, without an im2col matrix.
///
/// The register tile is 6 output pixels × 16 filters: for every filter tap k, the kernel loads
/// 16 packed weights as one vector and broadcasts the 6 pixels' inputs, read in place at
/// `pixel base + tap offset`. Padding comes from a zero-bordered copy of the image, so the inner
/// loop has no bounds checks; strides, dilations and the input's layout live in the precomputed
/// offsets. The whole filter depth is summed in registers, so each output is written once, with
/// bias, residual and activation applied on the way out: as 6 vectors when the output is
/// channel-blocked, transposed into the 16 planes when it is planar.
///
/// With `skippingZeros`, each block of 16 filters keeps only the taps where one of them has a
/// nonzero weight: grouped kernel patterns with groups of 16 (and connectivity on them) run on
/// the same tile, vectorized across the filters that share a pattern.
public final class DirectConvolution: PreparedConvolution, @unchecked Sendable {
    public let shape: ConvolutionShape
    static let pixelsPerTile = 6
    static let filtersPerTile = Vector.scalarCount
    static let tileFloats = pixelsPerTile * filtersPerTile
    /// Tiles one task computes for one block of filters.
    static let tilesPerTask = 16
    /// Filter taps per slice: 192 × 16 weights, 12 KB, stay in L1 across a task's tiles.
    static let depthSlice = 192
    /// Weights (floats per group) small enough to stay in L1 whatever the task order.
    static let smallWeights = 4096

    /// Weights per group and 16-filter block: [taps][16], zero-padded past the last filter.
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
                inputLayout: TensorLayout = .planar, outputLayout: TensorLayout = .planar, skippingZeros: Bool = false) {
        precondition(outputLayout == .planar || DirectConvolution.canWriteBlocked(s), "\(s) cannot write a blocked output")
        shape = s
        self.inputLayout = inputLayout
        self.outputLayout = outputLayout
        needsPadding = s.padTop + s.padLeft + s.padBottom + s.padRight > 0
        plane = needsPadding
            ? PaddedPlane(height: s.height, width: s.width, padTop: s.padTop, padLeft: s.padLeft,
                          outHeight: s.outHeight, outWidth: s.outWidth, kernelHeight: s.kernelHeight,
                          kernelWidth: s.kernelWidth, strideY: s.strideY, strideX: s.strideX,
                          dilationY: s.dilationY, dilationX: s.dilationX)
            : PaddedPlane(unpadded: s.height, width: s.width)
        let lanes = DirectConvolution.filtersPerTile, depth = s.filterLength
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
        weights = .allocate(capacity: max(1, weightStart.last! * lanes))
        weights.initialize(repeating: 0, count: max(1, weightStart.last! * lanes))
        for filter in 0..<s.outChannels {
            let g = filter / s.outChannelsPerGroup, f = filter % s.outChannelsPerGroup, gb = g * blocksPerGroup + f / lanes
            let block = weights + weightStart[gb] * lanes + f % lanes
            for (j, k) in kept[gb].enumerated() { block[j * lanes] = weight[filter * depth + k] }
        }
        // Padded to whole vectors so the last block's bias loads as one.
        self.bias = .allocate(capacity: s.outChannels + lanes)
        self.bias.initialize(repeating: 0, count: s.outChannels + lanes)
        if let bias { self.bias.update(from: bias, count: s.outChannels) }
        // In floats: a pixel is one float of a planar channel plane, or 16 in a blocked one.
        let pixelFloats = inputLayout == .blocked ? ChannelBlocks.width : 1
        let pixels = s.outHeight * s.outWidth
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
        (DirectConvolution.tilesPerTask * DirectConvolution.tileFloats, needsPadding ? inputFloats(plane: plane.count) : 0)
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
        let pixels = s.outHeight * s.outWidth, per = DirectConvolution.tilesPerTask
        let tiles = (pixels + DirectConvolution.pixelsPerTile - 1) / DirectConvolution.pixelsPerTile
        let chunks = (tiles + per - 1) / per, tasks = s.groups * blocksPerGroup * chunks
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
            let blocksInner = s.filterLength * blocksPerGroup * DirectConvolution.filtersPerTile <= DirectConvolution.smallWeights
            pool.parallelFor(tasks) { task, thread in
                let partial = workspace.scratch(thread)
                let (chunk, block) = blocksInner
                    ? ((task / self.blocksPerGroup) % chunks, task % self.blocksPerGroup)
                    : (task % chunks, (task / chunks) % self.blocksPerGroup)
                let group = task / (chunks * self.blocksPerGroup)
                let tileRange = (chunk * per)..<min(chunk * per + per, tiles)
                // Slices of the block's taps: a slice's weights stay in L1 while every tile uses them
                // (one empty slice for a block with none, which still writes bias and residual).
                let count = self.tapCount[group * self.blocksPerGroup + block]
                for k0 in stride(from: 0, to: max(count, 1), by: DirectConvolution.depthSlice) {
                    let depth = k0..<min(k0 + DirectConvolution.depthSlice, count)
                    for tile in tileRange {
                        self.computeTile(tile, group: group, block: block, depth: depth,
                                         partial: partial + (tile - tileRange.lowerBound) * DirectConvolution.tileFloats,
                                         image: image, output: outImage, residual: residualImage, activation: activation)
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
    private func computeTile(_ tile: Int, group: Int, block: Int, depth: Range<Int>, partial: UnsafeMutablePointer<Float>,
                             image: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             residual: UnsafePointer<Float>?, activation: Activation) {
        let s = shape, pixels = s.outHeight * s.outWidth, lanes = DirectConvolution.filtersPerTile
        let first = tile * DirectConvolution.pixelsPerTile
        let valid = min(DirectConvolution.pixelsPerTile, pixels - first)
        /// Where the window of output pixel `p` starts; past the last pixel, repeat it (results discarded).
        @inline(__always) func origin(_ p: Int) -> UnsafePointer<Float> {
            image + pixelOffsets[first + min(p, valid - 1)]
        }
        let gb = group * blocksPerGroup + block, count = tapCount[gb]
        let taps = tapOffsets + tapStart[gb]
        let p0 = origin(0), p1 = origin(1), p2 = origin(2), p3 = origin(3), p4 = origin(4), p5 = origin(5)
        var w = UnsafePointer(weights + (weightStart[gb] + depth.lowerBound) * lanes)
        var c0 = Vector(), c1 = Vector(), c2 = Vector(), c3 = Vector(), c4 = Vector(), c5 = Vector()
        if depth.lowerBound > 0 {
            c0 = partial.vector(); c1 = (partial + lanes).vector(); c2 = (partial + 2 * lanes).vector()
            c3 = (partial + 3 * lanes).vector(); c4 = (partial + 4 * lanes).vector(); c5 = (partial + 5 * lanes).vector()
        }
        for k in depth {
            let offset = taps[k]
            let wv = w.vector()
            c0.addProduct(Vector(repeating: p0[offset]), wv)
            c1.addProduct(Vector(repeating: p1[offset]), wv)
            c2.addProduct(Vector(repeating: p2[offset]), wv)
            c3.addProduct(Vector(repeating: p3[offset]), wv)
            c4.addProduct(Vector(repeating: p4[offset]), wv)
            c5.addProduct(Vector(repeating: p5[offset]), wv)
            w += lanes
        }
        if depth.upperBound < count {
            partial.store(c0); (partial + lanes).store(c1); (partial + 2 * lanes).store(c2)
            (partial + 3 * lanes).store(c3); (partial + 4 * lanes).store(c4); (partial + 5 * lanes).store(c5)
            return
        }
        let filter0 = group * s.outChannelsPerGroup + block * lanes
        let b = UnsafePointer(bias + filter0).vector()
        if outputLayout == .blocked {
            // Pixel p's 16 filters are one vector at ((filter0 / 16) · pixels + p) · 16.
            let out = output + (filter0 / lanes * pixels + first) * lanes
            let r = residual.map { $0 + (filter0 / lanes * pixels + first) * lanes }
            @inline(__always) func store(_ c: Vector, _ p: Int) {
                guard p < valid else { return }
                var v = c + b
                if let r { v += (r + p * lanes).vector() }
                if let y = activation.inlineForm(v) {
                    (out + p * lanes).store(y)
                } else {
                    (out + p * lanes).store(v)
                    activation.apply(out + p * lanes, count: lanes)
                }
            }
            store(c0, 0); store(c1, 1); store(c2, 2); store(c3, 3); store(c4, 4); store(c5, 5)
            return
        }
        let filters = min(lanes, s.outChannelsPerGroup - block * lanes)
        // The tile holds 6 pixels × 16 filters; NCHW wants each filter's pixels together, so it goes
        // out through a small buffer, transposed, with the residual added on the way.
        withUnsafeTemporaryAllocation(of: Float.self, capacity: DirectConvolution.pixelsPerTile * lanes) { buffer in
            let t = buffer.baseAddress!
            (t).store(c0 + b)
            (t + lanes).store(c1 + b)
            (t + 2 * lanes).store(c2 + b)
            (t + 3 * lanes).store(c3 + b)
            (t + 4 * lanes).store(c4 + b)
            (t + 5 * lanes).store(c5 + b)
            let out = output + filter0 * pixels + first
            if let residual {
                let r = residual + filter0 * pixels + first
                for f in 0..<filters {
                    for p in 0..<valid { t[p * lanes + f] += r[f * pixels + p] }
                }
            }
            if activation != .identity { activation.apply(t, count: valid * lanes) }
            for f in 0..<filters {
                for p in 0..<valid { out[f * pixels + p] = t[p * lanes + f] }
            }
        }
    }
}
