import SculptKernels
import SculptPatterns
import SculptProfiles

/// The measured latency of every (layer, candidate) pair the search may choose, in milliseconds.
///
/// Each pair is measured as its kernel runs in the model: the layer's shape, a weight masked by
/// the candidate's pattern (random values: speed depends on the structure only), the kernel our
/// runtime picks for it, with the measurement protocol.
public struct LatencyTable: Sendable, Codable {
    /// latencies[layer][candidate]; nil where the candidate is not allowed.
    public var latencies: [[Double?]]

    public init(latencies: [[Double?]]) { self.latencies = latencies }

    /// Measures every allowed pair in this process on `threads` threads, calling `progress` after each.
    public static func measure(layers: [PrunableLayer], allowed: [[Bool]], threads: Int,
                               protocol measurement: MeasurementProtocol = MeasurementProtocol(),
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> LatencyTable {
        let pool = ThreadPool(threads: threads, pinned: true), workspace = Workspace(parts: threads)
        let total = allowed.flatMap { $0 }.filter { $0 }.count
        var done = 0, table = [[Double?]]()
        var random = SeededRandom(seed: 1)
        for (layer, mask) in zip(layers, allowed) {
            var row = [Double?]()
            for (candidate, ok) in zip(SearchSpace.candidates, mask) {
                guard ok, case .convolution(let s) = layer.kind else { row.append(nil); continue }
                let weight = (0..<s.weightCount).map { _ in random.uniform(-1, 1) }
                let keep = try MaskSelection.select(layer, weight: weight, pattern: candidate).keep
                let pruned = zip(weight, keep).map { $1 ? $0 : 0 }
                let input = TensorLayout.blocked
                let kernel = candidate.sparseKernel.map { ConvolutionKernels.variant(of: $0, for: s, input: input) }
                    ?? ConvolutionKernels.preferred(for: s, input: input)
                let prepared = kernel.prepare(s, pruned, nil)
                prepared.reserve(in: workspace)
                let inputCount = kernel.layouts.input == .blocked ? ChannelBlocks.floats(batch: s.batch, channels: s.inChannels, plane: s.height * s.width) : s.inputCount
                let outputCount = kernel.layouts.output == .blocked ? ChannelBlocks.floats(batch: s.batch, channels: s.outChannels, plane: s.outHeight * s.outWidth) : s.outputCount
                let x = (0..<inputCount).map { _ in random.uniform(-1, 1) }
                var y = [Float](repeating: 0, count: outputCount)
                let stats = x.withUnsafeBufferPointer { xb in
                    y.withUnsafeMutableBufferPointer { yb in
                        measurement.measure {
                            prepared.run(input: xb.baseAddress!, output: yb.baseAddress!, residual: nil, activation: .relu, pool: pool, workspace: workspace)
                        }
                    }
                }
                row.append(stats.medianMilliseconds)
                done += 1
                progress(done, total)
            }
            table.append(row)
        }
        return LatencyTable(latencies: table)
    }

    /// The sum of the chosen candidates' latencies.
    public func total(_ choices: [Int]) -> Double {
        zip(latencies, choices).reduce(0) { $0 + ($1.0[$1.1] ?? 0) }
    }
}
