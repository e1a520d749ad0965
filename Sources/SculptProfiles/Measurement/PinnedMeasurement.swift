import Foundation
import SculptGraph
import SculptKernels
import SculptRuntime

/// A latency measured under known conditions.
public struct Measured: Sendable {
    public var statistics: LatencyStatistics
    public var conditions: MeasurementConditions
    /// The kernel that ran (or "model" for a whole model).
    public var kernel: String
}

/// Measurements on a thread of their own, pinned as a spec asks: `threads` threads on CPUs of
/// their own, that thread among them. Call only from the measurement worker, so that
/// measurements never overlap.
///
/// Each measurement gets a fresh thread because pinning sticks to a thread: a thread pinned for
/// one spec would see only that CPU as allowed when the next spec asks for more.
public enum PinnedMeasurement {
    /// The CPUs a pool of `threads` pins its threads to (ThreadPool pins the caller to the last
    /// of them; a single thread is pinned here to the last allowed CPU, away from the first,
    /// which often serves interrupts).
    static func cpus(threads: Int) -> [Int] {
        let allowed = Affinity.allowedCPUs()
        guard allowed.count >= threads else { return [] }
        return threads == 1 ? [allowed[allowed.count - 1]] : Array(allowed.prefix(threads))
    }

    /// Measures the kernel of `spec` with `measurement`.
    public static func kernel(_ spec: KernelSpec, _ measurement: MeasurementProtocol) throws(SpecError) -> Measured {
        let result = onFreshThread { () throws(SpecError) -> Measured in try pinnedKernel(spec, measurement) }
        switch result {
        case .success(let measured): return measured
        case .failure(let error): throw error
        }
    }

    private static func pinnedKernel(_ spec: KernelSpec, _ measurement: MeasurementProtocol) throws(SpecError) -> Measured {
        let cpus = cpus(threads: spec.threads)
        if spec.threads == 1, let cpu = cpus.first { Affinity.pinCurrentThread(to: cpu) }
        let pool = ThreadPool(threads: spec.threads, pinned: true)
        let workload = try WorkloadBuilder.build(spec, pool: pool)
        let (statistics, conditions) = MeasurementConditions.around(threads: spec.threads, cpus: cpus) {
            measurement.measure { workload.run() }
        }
        return Measured(statistics: statistics, conditions: conditions, kernel: workload.kernelName)
    }

    /// Measures a whole model (random inputs) with `measurement`; throws what the runtime
    /// throws for a model it cannot run.
    public static func model(_ model: Model, kernels: [String: ConvolutionKernel] = [:], threads: Int, batch: Int,
                             _ measurement: MeasurementProtocol) throws -> Measured {
        try onFreshThread { try pinnedModel(model, kernels: kernels, threads: threads, batch: batch, measurement) }.get()
    }

    private static func pinnedModel(_ model: Model, kernels: [String: ConvolutionKernel], threads: Int, batch: Int,
                                    _ measurement: MeasurementProtocol) throws -> Measured {
        let cpus = cpus(threads: threads)
        if threads == 1, let cpu = cpus.first { Affinity.pinCurrentThread(to: cpu) }
        let session = try InferenceSession(model: model, batch: batch, threads: threads, pinThreads: true, kernels: kernels)
        let (statistics, conditions) = MeasurementConditions.around(threads: threads, cpus: cpus) {
            SessionLatency.measure(session, protocol: measurement, seed: WorkloadBuilder.seed)
        }
        return Measured(statistics: statistics, conditions: conditions, kernel: "model")
    }

    /// Runs `body` on a new thread and waits for it.
    private static func onFreshThread<E: Error>(_ body: @escaping () throws(E) -> Measured) -> Result<Measured, E> {
        let box = ThreadResult<E>(), done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) let work = body
        let thread = Thread {
            box.result = Result { () throws(E) -> Measured in try work() }
            done.signal()
        }
        thread.name = "sculpt-measurement"
        thread.start()
        done.wait()
        return box.result!
    }
}

/// Where a measurement thread leaves its result; the semaphore orders the write before the read.
private final class ThreadResult<E: Error>: @unchecked Sendable {
    var result: Result<Measured, E>?
}
