import Foundation
import SculptKernels

/// Best time of five 100 ms rounds, in milliseconds per run.
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

/// Arguments: threads (default 1), then optionally the kernels to run (names containing this text).
let arguments = Array(CommandLine.arguments.dropFirst())
let threads = Int(arguments.first ?? "1") ?? 1
let kernelFilter = arguments.count > 1 ? arguments[1] : ""
let pool = ThreadPool(threads: threads)
let workspace = Workspace(parts: threads)
OpenBLASGEMM.setThreads(threads)

/// ResNet-18's and MobileNetV2's layer shapes.
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
    ConvolutionShape(inChannels: 96, outChannels: 96, height: 112, width: 112, kernel: 3, stride: 2, groups: 96),
    ConvolutionShape(inChannels: 144, outChannels: 144, height: 56, width: 56, kernel: 3, groups: 144),
    ConvolutionShape(inChannels: 576, outChannels: 576, height: 14, width: 14, kernel: 3, groups: 576),
    ConvolutionShape(inChannels: 960, outChannels: 960, height: 7, width: 7, kernel: 3, groups: 960),
    ConvolutionShape(inChannels: 192, outChannels: 192, height: 28, width: 28, kernel: 3, groups: 192),
    ConvolutionShape(inChannels: 144, outChannels: 144, height: 56, width: 56, kernel: 3, stride: 2, groups: 144),
]
print("threads \(threads); milliseconds per run (GFLOPS)")
for s in shapes {
    // Room for either layout (a blocked tensor pads its channels to whole blocks of 16).
    let inputFloats = ChannelBlocks.floats(batch: s.batch, channels: s.inChannels, plane: s.height * s.width)
    let outputFloats = ChannelBlocks.floats(batch: s.batch, channels: s.outChannels, plane: s.outHeight * s.outWidth)
    let input = random(inputFloats), weight = random(s.weightCount), bias = random(s.outChannels)
    let output = UnsafeMutablePointer<Float>.allocate(capacity: outputFloats)
    var line = s.description.padding(toLength: 30, withPad: " ", startingAt: 0)
    for kernel in ConvolutionKernels.all where kernel.supports(s) && (kernelFilter.isEmpty || kernel.name.contains(kernelFilter)) {
        let prepared = kernel.prepare(s, weight, bias)
        prepared.reserve(in: workspace)
        let ms = time { prepared.run(input: input, output: output, residual: nil, activation: .relu, pool: pool, workspace: workspace) }
        line += String(format: "  %@ %.3f (%.1f)", kernel.name, ms, 2 * Double(s.macs) / ms / 1e6)
    }
    print(line)
}
