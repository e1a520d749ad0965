/// Pattern-sparse convolution kernels against dense im2col + OpenBLAS on ResNet-18's layer shapes.
///
///   .build/release/PatternBenchmarks [threads] [layer filter] [pattern filter] [kernel]
///
/// The filters keep the layers and patterns whose names contain them ("s2", "G=4"); a kernel name
/// from the registry runs that kernel instead of the one each pattern picks. With PATTERN_BENCH_FASTEST
/// set, each time is the fastest of 150 single runs instead: steadier while other processes share the CPU.
/// Weights are random, pruned by the real mask selection of each family; times are medians of the
/// measurement protocol (warm-up 0.2 s, 15 samples of at least 10 ms). Prints a Markdown table:
/// milliseconds per run, speedup over im2col + OpenBLAS, and the ideal speedup from the MACs kept.
import Foundation
import SculptKernels
import SculptPatterns
import SculptProfiles

let arguments = Array(CommandLine.arguments.dropFirst())
func argument(_ i: Int) -> String? { arguments.count > i && !arguments[i].isEmpty ? arguments[i] : nil }
let threads = Int(argument(0) ?? "1") ?? 1
let layerFilter = argument(1), patternFilter = argument(2)
let kernelOverride = argument(3).map { name in ConvolutionKernels.all.first { $0.name == name } ?? { fatalError("no kernel \(name)") }() }
let fastest = ProcessInfo.processInfo.environment["PATTERN_BENCH_FASTEST"] != nil
let pool = ThreadPool(threads: threads, pinned: true)
let workspace = Workspace(parts: threads)
OpenBLASGEMM.setThreads(threads)

let shapes = [
    ConvolutionShape(inChannels: 64, outChannels: 64, height: 56, width: 56, kernel: 3),
    ConvolutionShape(inChannels: 64, outChannels: 128, height: 56, width: 56, kernel: 3, stride: 2),
    ConvolutionShape(inChannels: 128, outChannels: 128, height: 28, width: 28, kernel: 3),
    ConvolutionShape(inChannels: 128, outChannels: 256, height: 28, width: 28, kernel: 3, stride: 2),
    ConvolutionShape(inChannels: 256, outChannels: 256, height: 14, width: 14, kernel: 3),
    ConvolutionShape(inChannels: 256, outChannels: 512, height: 14, width: 14, kernel: 3, stride: 2),
    ConvolutionShape(inChannels: 512, outChannels: 512, height: 7, width: 7, kernel: 3),
    ConvolutionShape(inChannels: 64, outChannels: 128, height: 56, width: 56, kernel: 1, stride: 2),
    ConvolutionShape(inChannels: 128, outChannels: 256, height: 28, width: 28, kernel: 1, stride: 2),
    ConvolutionShape(inChannels: 256, outChannels: 512, height: 14, width: 14, kernel: 1, stride: 2),
]

let families: [PatternConfig] = [
    PatternConfig(family: .grouped, keep: 4, group: 4),
    PatternConfig(family: .grouped, keep: 4, group: 4, connectivity: 0.5),
    PatternConfig(family: .grouped, keep: 4, group: 16),
    PatternConfig(family: .grouped, keep: 4, group: 16, connectivity: 0.5),
    PatternConfig(family: .kernel, keep: 4),
    PatternConfig(family: .connectivity, group: 4, connectivity: 0.5),
    PatternConfig(family: .nm, n: 2, m: 4),
]

func milliseconds(_ kernel: any PreparedConvolution, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>) -> Double {
    kernel.reserve(in: workspace)
    let statistics = (fastest ? MeasurementProtocol(warmupSeconds: 0.2, sampleSeconds: 0, samples: 150) : MeasurementProtocol()).measure {
        kernel.run(input: input, output: output, residual: nil, activation: .relu, pool: pool, workspace: workspace)
    }
    return fastest ? statistics.minMilliseconds : statistics.medianMilliseconds
}

print("threads \(threads), vector width \(VectorWidth.native.lanes)\n")
print("| layer | pattern | kernel | ms | speedup vs im2col+OpenBLAS | ideal (MACs) |")
print("|---|---|---|---:|---:|---:|")
for s in shapes {
    let name = "\(s.inChannels)→\(s.outChannels) \(s.kernelHeight)x\(s.kernelWidth) @\(s.height)² s\(s.strideX)"
    if let layerFilter, !name.contains(layerFilter) { continue }
    let weight = (0..<s.weightCount).map { _ in Float.random(in: -1...1) }
    let input = (0..<s.inputCount).map { _ in Float.random(in: -1...1) }
    let bias = (0..<s.outChannels).map { _ in Float.random(in: -1...1) }
    var output = [Float](repeating: 0, count: ChannelBlocks.floats(batch: 1, channels: s.outChannels, plane: s.outHeight * s.outWidth))
    let layer = PrunableLayer(name: name, opType: "Conv", weight: "w", bias: nil, kind: .convolution(s), macs: s.macs, couplingGroup: nil)
    let baseline = output.withUnsafeMutableBufferPointer { out in
        milliseconds(ConvolutionKernels.im2colOpenBLAS.prepare(s, weight, bias), input, out.baseAddress!)
    }
    func row(_ pattern: String, _ kernel: String, _ ms: Double, ideal: Double) {
        print(String(format: "| %@ | %@ | %@ | %.3f | %.2f | %.2f |", name, pattern, kernel, ms, baseline / ms, ideal))
    }
    row("dense", "im2col+openblas", baseline, ideal: 1)
    let dense = ConvolutionKernels.preferred(for: s, input: .planar, blocked: false)
    if patternFilter == nil {
        output.withUnsafeMutableBufferPointer { out in row("dense", dense.name, milliseconds(dense.prepare(s, weight, bias), input, out.baseAddress!), ideal: 1) }
    }
    for pattern in families where layer.families.contains(pattern.family) && patternFilter.map(pattern.description.contains) ?? true {
        let mask = try MaskSelection.select(layer, weight: weight, pattern: pattern)
        let pruned = zip(weight, mask.keep).map { $1 ? $0 : 0 }
        // Sparse kernels run planar here, like the baseline; per-kernel patterns also on 4-filter blocks.
        let kernels = kernelOverride.map { [$0] } ?? (pattern.family == .kernel ? [ConvolutionKernels.patternFilters, ConvolutionKernels.patternBlocks]
            : [ConvolutionKernels.variant(of: pattern.sparseKernel!, for: s, input: .planar)])
        for kernel in kernels {
            output.withUnsafeMutableBufferPointer { out in
                row(pattern.description, kernel.name, milliseconds(kernel.prepare(s, pruned, bias), input, out.baseAddress!), ideal: 1 / mask.density)
            }
        }
    }
}
