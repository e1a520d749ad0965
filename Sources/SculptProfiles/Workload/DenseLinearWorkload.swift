import SculptKernels

/// A dense linear layer (`batch` rows of `in_channels` features to `out_channels`), with the
/// runtime's packed-GEMM layer.
final class DenseLinearWorkload: Workload {
    let kernelName = "dense-layer"
    private let layer: DenseLayer
    private let rows: Int
    private let input: UnsafeMutableBufferPointer<Float>
    private let output: UnsafeMutableBufferPointer<Float>
    private let pool: ThreadPool
    private let workspace: Workspace

    init(spec: KernelSpec, pool: ThreadPool, seed: UInt64) {
        var random = SeededRandom(seed: seed)
        let weight = random.buffer(spec.inChannels * spec.outChannels), bias = random.buffer(spec.outChannels)
        defer {
            weight.deallocate()
            bias.deallocate()
        }
        layer = DenseLayer(inFeatures: spec.inChannels, outFeatures: spec.outChannels, weight: weight.baseAddress!,
                           transposed: true, bias: bias.baseAddress!)
        rows = spec.batch
        input = random.buffer(spec.batch * spec.inChannels)
        output = .allocate(capacity: spec.batch * spec.outChannels)
        output.initialize(repeating: 0)
        self.pool = pool
        workspace = Workspace(parts: pool.threadCount, floatsPerPart: PackedGEMM.scratchFloats)
    }

    deinit {
        input.deallocate()
        output.deallocate()
    }

    func run() {
        layer.run(input: input.baseAddress!, rows: rows, output: output.baseAddress!, pool: pool, workspace: workspace)
    }
}
