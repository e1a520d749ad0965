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

let threads = Int(CommandLine.arguments.dropFirst().first ?? "1") ?? 1
let pool = ThreadPool(threads: threads)
let workspace = Workspace(parts: threads, floatsPerPart: PackedGEMM.scratchFloats)
OpenBLASGEMM.setThreads(threads)
for (m, n, k) in [(64, 3136, 576), (128, 784, 1152), (256, 196, 2304), (512, 49, 4608), (1024, 1024, 1024)] {
    let a = UnsafeMutablePointer<Float>.allocate(capacity: m * k); for i in 0..<m * k { a[i] = Float.random(in: -1...1) }
    let b = UnsafeMutablePointer<Float>.allocate(capacity: k * n); for i in 0..<k * n { b[i] = Float.random(in: -1...1) }
    let c = UnsafeMutablePointer<Float>.allocate(capacity: m * n)
    let packedA = PackedPanels(StridedPacker(data: a, extent: m, extentStride: k, depthStride: 1), extent: m, depth: k, width: 6)
    let ours = time {
        PackedGEMM.multiply(m: m, n: n, k: k, a: packedA,
                            b: StridedPacker(data: b, extent: n, extentStride: 1, depthStride: n),
                            output: GEMMOutput(data: c, rowStride: n), pool: pool, workspace: workspace)
    }
    let blas = time { OpenBLASGEMM.multiply(m: m, n: n, k: k, a: a, b: b, c: c) }
    let flops = 2.0 * Double(m * n * k)
    print(String(format: "%5d %5d %5d  ours %.3f ms %.1f GFLOPS   openblas %.3f ms %.1f GFLOPS", m, n, k, ours, flops / ours / 1e6, blas, flops / blas / 1e6))
}
