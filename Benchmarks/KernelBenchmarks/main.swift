import Foundation
import SculptKernels

func time(_ body: () -> Void) -> Double {
    body()
    var best = Double.infinity
    for _ in 0..<5 {
        let start = DispatchTime.now().uptimeNanoseconds
        var runs = 0
        repeat { body(); runs += 1 } while DispatchTime.now().uptimeNanoseconds - start < 100_000_000
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(runs) / 1e6)
    }
    return best
}

func random(_ n: Int) -> UnsafeMutablePointer<Float> {
    let p = UnsafeMutablePointer<Float>.allocate(capacity: n)
    for i in 0..<n { p[i] = Float.random(in: -1...1) }
    return p
}

let threads = Int(CommandLine.arguments.dropFirst().first ?? "1") ?? 1
let pool = ThreadPool(threads: threads)
let workspace = Workspace(parts: threads, floatsPerPart: max(PackedGEMM.scratchFloats, DirectConvolution.scratchFloats))
OpenBLASGEMM.setThreads(threads)
let shapes = [
    ConvolutionShape(inChannels: 3, outChannels: 64, height: 224, width: 224, kernelHeight: 7, kernelWidth: 7,
                     strideY: 2, strideX: 2, padTop: 3, padLeft: 3, padBottom: 3, padRight: 3),
    ConvolutionShape(inChannels: 64, outChannels: 64, height: 56, width: 56, kernel: 3),
    ConvolutionShape(inChannels: 64, outChannels: 128, height: 56, width: 56, kernel: 3, stride: 2),
    ConvolutionShape(inChannels: 128, outChannels: 128, height: 28, width: 28, kernel: 3),
    ConvolutionShape(inChannels: 256, outChannels: 256, height: 14, width: 14, kernel: 3),
    ConvolutionShape(inChannels: 512, outChannels: 512, height: 7, width: 7, kernel: 3),
    ConvolutionShape(inChannels: 64, outChannels: 128, height: 56, width: 56, kernel: 1, stride: 2),
    ConvolutionShape(inChannels: 16, outChannels: 96, height: 112, width: 112, kernel: 1),
    ConvolutionShape(inChannels: 96, outChannels: 24, height: 56, width: 56, kernel: 1),
]
for s in shapes {
    let input = random(s.inputCount), weight = random(s.weightCount), bias = random(s.outChannels)
    let output = UnsafeMutablePointer<Float>.allocate(capacity: s.outputCount)
    let gemm = GEMMConvolution(shape: s, weight: weight, bias: bias)
    let direct = DirectConvolution(shape: s, weight: weight, bias: bias)
    workspace.reserve(sharedFloats: direct.sharedScratchFloats)
    let ours = time { gemm.run(input: input, output: output, activation: .relu, pool: pool, workspace: workspace) }
    let oursDirect = time { direct.run(input: input, output: output, activation: .relu, pool: pool, workspace: workspace) }
    let columns = UnsafeMutablePointer<Float>.allocate(capacity: s.filterLength * s.outHeight * s.outWidth)
    let blas = time {
        Im2Col.materialize(s, input: input, into: columns)
        OpenBLASGEMM.multiply(m: s.outChannels, n: s.outHeight * s.outWidth, k: s.filterLength, a: weight, b: columns, c: output)
    }
    let gflops = 2.0 * Double(s.macs) / 1e6
    print(String(format: "%-28@ gemm %7.3f ms %5.1f GFLOPS %@  direct %7.3f ms %5.1f  im2col+openblas %7.3f ms %5.1f GFLOPS",
                 s.description, ours, gflops / ours, gemm.transposed ? "T" : " ", oursDirect, gflops / oursDirect, blas, gflops / blas))
}

for s in [ConvolutionShape(inChannels: 96, outChannels: 96, height: 112, width: 112, kernel: 3, stride: 2, groups: 96),
          ConvolutionShape(inChannels: 144, outChannels: 144, height: 56, width: 56, kernel: 3, stride: 1, groups: 144),
          ConvolutionShape(inChannels: 32, outChannels: 32, height: 112, width: 112, kernel: 3, stride: 1, groups: 32)] {
    let input = random(s.inputCount), weight = random(s.weightCount), bias = random(s.outChannels)
    let output = UnsafeMutablePointer<Float>.allocate(capacity: s.outputCount)
    let dw = DepthwiseConvolution(shape: s, weight: weight, bias: bias)
    workspace.reserve(floatsPerPart: dw.scratchFloats)
    let t = time { dw.run(input: input, output: output, activation: .clip(min: 0, max: 6), pool: pool, workspace: workspace) }
    print(String(format: "depthwise %-28@ %7.3f ms %5.1f GFLOPS", s.description, t, 2.0 * Double(s.macs) / 1e6 / t))
}
