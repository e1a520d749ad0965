import SculptKernels

/// A layout conversion as the runtime inserts it between layers: a tensor of `in_channels`
/// channels of `height` × `width` pixels, arriving in `input_layout`, copied into the other
/// layout (channel-blocked to planar, or planar to blocked).
///
/// A configuration whose layers write different layouts makes the runtime convert tensors where
/// they meet (a residual joining the output of a layer that wrote the other layout); the search
/// prices those conversions with these measurements.
final class ReorderWorkload: Workload {
    let kernelName: String
    private let source: UnsafeMutableBufferPointer<Float>
    private let destination: UnsafeMutableBufferPointer<Float>
    private let target: TensorLayout
    private let shape: (batch: Int, channels: Int, plane: Int)
    private let pool: ThreadPool

    init(spec: KernelSpec, pool: ThreadPool, seed: UInt64) {
        shape = (spec.batch, spec.inChannels, spec.height * spec.width)
        target = spec.inputLayout == .blocked ? .planar : .blocked
        kernelName = target == .planar ? "unblock" : "block"
        let blockedFloats = ChannelBlocks.floats(batch: shape.batch, channels: shape.channels, plane: shape.plane)
        let planarFloats = shape.batch * shape.channels * shape.plane
        var random = SeededRandom(seed: seed)
        source = random.buffer(spec.inputLayout == .blocked ? blockedFloats : planarFloats)
        destination = .allocate(capacity: target == .blocked ? blockedFloats : planarFloats)
        destination.initialize(repeating: 0)
        self.pool = pool
    }

    deinit {
        source.deallocate()
        destination.deallocate()
    }

    func run() {
        ChannelBlocks.convert(source.baseAddress!, into: destination.baseAddress!, to: target, batch: shape.batch,
                              channels: shape.channels, plane: shape.plane, pool: pool)
    }
}
