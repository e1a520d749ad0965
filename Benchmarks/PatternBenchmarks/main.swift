/// Pattern-sparse convolution kernels against dense im2col + OpenBLAS on ResNet-18's layer shapes.
///
///   .build/release/PatternBenchmarks [threads]
///
/// Weights are random, pruned by the real mask selection of each family; times are medians of the
/// measurement protocol (warm-up 0.2 s, 15 samples of at least 10 ms). Prints a Markdown table:
/// milliseconds per run, speedup over im2col + OpenBLAS, and the ideal speedup from the MACs kept.
import Foundation
import SculptKernels
import SculptPatterns
import SculptProfiles

let threads = Int(CommandLine.arguments.dropFirst().first ?? "1") ?? 1
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
    return MeasurementProtocol().measure {
        kernel.run(input: input, output: output, residual: nil, activation: .relu, pool: pool, workspace: workspace)
    }.medianMilliseconds
}

print("threads \(threads), vector width \(VectorWidth.native.lanes)\n")
print("| layer | pattern | kernel | ms | speedup vs im2col+OpenBLAS | ideal (MACs) |")
print("|---|---|---|---:|---:|---:|")
for s in shapes {
    let weight = (0..<s.weightCount).map { _ in Float.random(in: -1...1) }
    let input = (0..<s.inputCount).map { _ in Float.random(in: -1...1) }
    let bias = (0..<s.outChannels).map { _ in Float.random(in: -1...1) }
    var output = [Float](repeating: 0, count: ChannelBlocks.floats(batch: 1, channels: s.outChannels, plane: s.outHeight * s.outWidth))
    let name = "\(s.inChannels)→\(s.outChannels) \(s.kernelHeight)x\(s.kernelWidth) @\(s.height)² s\(s.strideX)"
    let layer = PrunableLayer(name: name, opType: "Conv", weight: "w", bias: nil, kind: .convolution(s), macs: s.macs, couplingGroup: nil)
    let baseline = output.withUnsafeMutableBufferPointer { out in
        milliseconds(ConvolutionKernels.im2colOpenBLAS.prepare(s, weight, bias), input, out.baseAddress!)
    }
    func row(_ pattern: String, _ kernel: String, _ ms: Double, ideal: Double) {
        print(String(format: "| %@ | %@ | %@ | %.3f | %.2f | %.2f |", name, pattern, kernel, ms, baseline / ms, ideal))
    }
    row("dense", "im2col+openblas", baseline, ideal: 1)
    let dense = ConvolutionKernels.preferred(for: s, input: .planar, blocked: false)
    output.withUnsafeMutableBufferPointer { out in row("dense", dense.name, milliseconds(dense.prepare(s, weight, bias), input, out.baseAddress!), ideal: 1) }
    for pattern in families where layer.families.contains(pattern.family) {
        let mask = try MaskSelection.select(layer, weight: weight, pattern: pattern)
        let pruned = zip(weight, mask.keep).map { $1 ? $0 : 0 }
        // Sparse kernels run planar here, like the baseline; per-kernel patterns also on 4-filter blocks.
        let kernels = pattern.family == .kernel ? [ConvolutionKernels.patternFilters, ConvolutionKernels.patternBlocks]
            : [ConvolutionKernels.variant(of: pattern.sparseKernel!, for: s, input: .planar)]
        for kernel in kernels {
            output.withUnsafeMutableBufferPointer { out in
                row(pattern.description, kernel.name, milliseconds(kernel.prepare(s, pruned, bias), input, out.baseAddress!), ideal: 1 / mask.density)
            }
        }
    }
}
