import Foundation
import SculptKernels
import SculptPatterns
@testable import SculptProfiles
import Testing

/// Measuring kernels on the pinned worker, and the bounded queue in front of it.
@Suite struct MeasurementTests {
    static let quick = MeasurementProtocol(warmupSeconds: 0.002, sampleSeconds: 0.001, samples: 5)

    @Test(arguments: [
        (KernelSpec(inChannels: 8, outChannels: 16, height: 8, width: 8, kernel: 3), ["direct-planar-to-blocked", "direct-blocked", "direct"]),
        (KernelSpec(inChannels: 16, outChannels: 16, height: 8, width: 8, kernel: 3, groups: 16), ["depthwise-blocked"]),
        (KernelSpec(inChannels: 16, outChannels: 32, height: 8, width: 8, kernel: 1), ["direct-blocked", "gemm"]),
        (KernelSpec(op: .linear, inChannels: 64, outChannels: 32, batch: 8), ["dense-layer"]),
    ])
    func denseKernelsAreMeasuredWithTheProtocol(spec: KernelSpec, kernels: [String]) throws {
        let measured = try PinnedMeasurement.kernel(spec, Self.quick)
        #expect(kernels.contains(measured.kernel), "\(measured.kernel)")
        #expect(measured.statistics.samplesMilliseconds.count == 5)
        #expect(measured.statistics.minMilliseconds > 0)
        #expect(Double(measured.statistics.runsPerSample) * measured.statistics.medianMilliseconds >= 0.9)
        #expect(measured.conditions.threads == 1)
        #expect(measured.conditions.cpus.count <= 1)
    }

    /// A convolution runs the variant of its kernel that reads its input in the layout it arrives
    /// in (a network's first convolution reads planar input: measured on blocked input, a
    /// 3-channel layer would run on 16 padded channels), or, where its kernel has no such variant
    /// (groups of 4), after the conversion the runtime inserts.
    @Test(arguments: [
        (PatternConfig.dense, TensorLayout.planar, "direct-planar-to-blocked"),
        (.dense, .blocked, "direct-blocked"),
        (PatternConfig(family: .grouped, keep: 4, group: 16), .planar, "pattern-16-filters-planar-to-blocked"),
        (PatternConfig(family: .grouped, keep: 4, group: 16), .blocked, "pattern-16-filters-blocked"),
        (PatternConfig(family: .grouped, keep: 4, group: 4), .planar, "pattern-4-filters"),
        (PatternConfig(family: .grouped, keep: 4, group: 4), .blocked, "reorder+pattern-4-filters"),
    ])
    func theInputLayoutPicksTheKernelVariantTheRuntimeRuns(pattern: PatternConfig, layout: TensorLayout, kernel: String) throws {
        let spec = KernelSpec(inChannels: 3, outChannels: 16, height: 16, width: 16, kernel: 3, pattern: pattern, inputLayout: layout)
        #expect(try PinnedMeasurement.kernel(spec, Self.quick).kernel == kernel)
    }

    /// Also after a one-thread measurement on the same calling thread: pinning must not stick to it.
    @Test func twoThreadsArePinnedToTwoCPUs() throws {
        let cpus = PinnedMeasurement.cpus(threads: 2)
        try #require(cpus.count == 2, "this machine lets the process use fewer than 2 CPUs")
        _ = try PinnedMeasurement.kernel(KernelSpec(inChannels: 8, outChannels: 8, height: 8, width: 8, kernel: 3), Self.quick)
        #expect(PinnedMeasurement.cpus(threads: 2) == cpus)
        let measured = try PinnedMeasurement.kernel(KernelSpec(inChannels: 16, outChannels: 16, height: 16, width: 16, kernel: 3, threads: 2), Self.quick)
        #expect(measured.conditions.cpus == cpus)
    }

    @Test func aFullQueueRefusesAtOnceWithARetryTime() async throws {
        let worker = MeasurementWorker(capacity: 2)
        let release = DispatchSemaphore(value: 0)
        let blocking = Task { try await worker.run(units: 2, secondsPerUnit: 0.5) { release.wait(); return 1 } }
        while worker.pending < 2 { try await Task.sleep(for: .milliseconds(1)) }
        await #expect {
            try await worker.run(units: 1, secondsPerUnit: 0.5) { 2 }
        } throws: { error in
            (error as? MeasurementWorker.QueueFull)?.retryAfterSeconds == 1
        }
        release.signal()
        #expect(try await blocking.value == 1)
        #expect(try await worker.run(units: 1, secondsPerUnit: 0.5) { 3 } == 3)
        #expect(worker.pending == 0)
    }
}
