import SculptKernels
import SculptPatterns

/// A linear layer (`batch` rows of `in_channels` features to `out_channels`) on the runtime's
/// packed-GEMM layer: dense, or pruned by connectivity (the mask chosen from the random weights
/// by the real mask selection), whose matrix-vector products skip the removed inputs.
final class DenseLinearWorkload: Workload {
    let kernelName: String
    private let layer: DenseLayer
    private let rows: Int
    private let input: UnsafeMutableBufferPointer<Float>
    private let output: UnsafeMutableBufferPointer<Float>
    private let pool: ThreadPool
    private let workspace: Workspace

    /// The spec's shape as a prunable layer (weight stored [out][in], as Gemm with transB), for mask
    /// selection and for checking that its pattern applies.
    static func layer(_ spec: KernelSpec) -> PrunableLayer {
        PrunableLayer(name: "spec", opType: "Gemm", weight: "weight", bias: nil,
                      kind: .linear(inFeatures: spec.inChannels, outFeatures: spec.outChannels, inputMajor: false),
                      macs: spec.inChannels * spec.outChannels * spec.batch, couplingGroup: nil)
    }

    init(spec: KernelSpec, pool: ThreadPool, seed: UInt64) throws(SpecError) {
        var random = SeededRandom(seed: seed)
        let weight = random.buffer(spec.inChannels * spec.outChannels), bias = random.buffer(spec.outChannels)
        try WorkloadBuilder.prune(weight, of: DenseLinearWorkload.layer(spec), by: spec.pattern)
        defer {
            weight.deallocate()
            bias.deallocate()
        }
        layer = DenseLayer(inFeatures: spec.inChannels, outFeatures: spec.outChannels, weight: weight.baseAddress!,
                           transposed: true, bias: bias.baseAddress!)
        kernelName = layer.skipsZeroRows ? "sparse-layer" : "dense-layer"
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
