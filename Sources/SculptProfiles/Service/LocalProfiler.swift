import Foundation
import SculptGraph
import SculptKernels
import SculptPatterns

/// Measures on this machine and caches in a store: what `sculptd` serves and what
/// `sculpt … --device local` runs in process, the same code for both.
public final class LocalProfiler: ProfileSource {
    public let store: ProfileStore
    public let device: DeviceFingerprint
    public let measurement: MeasurementProtocol
    public let limits: SpecLimits
    public let worker: MeasurementWorker
    /// Specs one request may carry.
    public let maxSpecsPerRequest: Int
    private let recent = RecentEntries(capacity: 4096)

    public init(store: ProfileStore, measurement: MeasurementProtocol = MeasurementProtocol(), limits: SpecLimits = SpecLimits(),
                queueCapacity: Int = 256, maxSpecsPerRequest: Int = 256) {
        self.store = store
        self.measurement = measurement
        self.limits = limits
        self.maxSpecsPerRequest = maxSpecsPerRequest
        device = DeviceFingerprint.current()
        worker = MeasurementWorker(capacity: queueCapacity)
    }

    /// Seconds one spec keeps the worker busy, roughly: for Retry-After.
    var secondsPerSpec: Double { measurement.warmupSeconds + Double(measurement.samples) * measurement.sampleSeconds * 1.5 + 0.05 }

    /// Throws a `SpecError` naming the first spec that cannot be measured.
    public func validate(_ specs: [KernelSpec]) throws(SpecError) {
        guard !specs.isEmpty else { throw SpecError.invalid("specs must not be empty") }
        guard specs.count <= maxSpecsPerRequest else {
            throw SpecError.invalid("\(specs.count) specs in one request, more than the limit of \(maxSpecsPerRequest)")
        }
        for (index, spec) in specs.enumerated() {
            do {
                try limits.validate(spec)
                try WorkloadBuilder.check(spec)
            } catch {
                throw error.prefixed("specs[\(index)]")
            }
        }
    }

    public func deviceReport() async throws -> DeviceReport {
        var measurable = [String: [String]]()
        for op in KernelSpec.Operation.allCases {
            // A family is measurable when some kernel size takes it (grouped: 3x3, N:M: 1x1).
            measurable[op.rawValue] = PatternConfig.Family.allCases.filter { family in
                [3, 1].contains { kernel in
                    (try? WorkloadBuilder.check(KernelSpec(op: op, inChannels: 16, outChannels: 16, kernel: kernel,
                                                           pattern: PatternConfig(family: family)))) != nil
                }
            }.map(\.rawValue)
        }
        return DeviceReport(device: device, measurable: measurable, limits: limits, measurementProtocol: measurement)
    }

    /// The cached answers of the workloads (by hash), without measuring anything.
    func cached(_ workloads: some Collection<String>) throws -> [String: ProfileEntry] {
        try store.cached(device: device.id, workloads: workloads, measurement: measurement)
    }

    public func measure(_ specs: [KernelSpec], fresh: Bool) async throws -> [ProfileEntry] {
        try validate(specs)
        var answers = fresh ? specs.map { _ in nil } : recent.lookup(specs)
        let unknown = answers.indices.filter { answers[$0] == nil }
        guard !unknown.isEmpty else { return answers.map { $0! } }
        let hashes = unknown.map { specs[$0].workloadHash }
        var found = fresh ? [:] : try cached(hashes)
        var misses = [KernelSpec](), seen = Set<String>()
        for (index, hash) in zip(unknown, hashes) {
            if let hit = found[hash] {
                recent.remember(specs[index], hit)
            } else if seen.insert(hash).inserted {
                misses.append(specs[index])
            }
        }
        if !misses.isEmpty {
            let pending = misses
            let measured = try await worker.run(units: misses.count, secondsPerUnit: secondsPerSpec) { [self] in
                try measureNow(pending, storing: !fresh)
            }
            found.merge(measured) { _, new in new }
        }
        for (index, hash) in zip(unknown, hashes) { answers[index] = found[hash] }
        return answers.map { $0! }
    }

    /// On the worker thread: measures each spec, and when `storing`, records it unless it was
    /// stored meanwhile (another request may have asked for it while this one waited).
    ///
    /// The device's fingerprint is recorded with the measurements, not when the store is opened:
    /// it holds the conditions they were made in (the OpenBLAS core type among them), which a
    /// later `sculpt profiles export` from a shell with another environment overwrote.
    private func measureNow(_ specs: [KernelSpec], storing: Bool) throws -> [String: ProfileEntry] {
        var results = [String: ProfileEntry](), registered = false
        for spec in specs {
            let hash = spec.workloadHash
            if storing, let hit = try cached([hash])[hash] {
                results[hash] = hit
                continue
            }
            let measured = try PinnedMeasurement.kernel(spec, measurement)
            let entry = ProfileEntry(deviceID: device.id, workload: hash, kernelVersion: KernelVersion.current,
                                     spec: spec, kernel: measured.kernel, statistics: measured.statistics, cached: false,
                                     measuredAt: Timestamp.now(), conditions: measured.conditions, measurementProtocol: measurement)
            if storing {
                if !registered {
                    try store.register(device)
                    registered = true
                }
                try store.record(entry)
                recent.remember(spec, entry)
            }
            results[hash] = entry
        }
        return results
    }

    /// The end-to-end latency of a whole model, measured on the worker (never stored: models
    /// change with every search step).
    public func measureModel(_ bytes: Data, threads: Int, batch: Int) async throws -> ModelLatency {
        guard (1...limits.maxThreads).contains(threads) else {
            throw SpecError.invalid("threads must be 1...\(limits.maxThreads) (the CPUs available), not \(threads)")
        }
        guard (1...limits.maxBatch).contains(batch) else { throw SpecError.invalid("batch must be 1...\(limits.maxBatch), not \(batch)") }
        // An ONNX model runs dense; a .sculpt model on the sparse kernels its layers name.
        let model: Model, kernels: [String: ConvolutionKernel]
        do {
            if SculptFile.isSculpt(bytes) {
                let (sculpt, masks) = try SculptFile.read(serializedData: bytes)
                (model, kernels) = (sculpt, masks.kernels)
            } else {
                (model, kernels) = (try Model(serializedData: bytes), [:])
            }
        } catch { throw SpecError.invalid("the body is not a usable ONNX or .sculpt model: \(error)") }
        let measurement = self.measurement
        let measured = try await worker.run(units: 1, secondsPerUnit: secondsPerSpec) {
            do { return try PinnedMeasurement.model(model, kernels: kernels, threads: threads, batch: batch, measurement) } catch let error as SpecError {
                throw error
            } catch {
                throw SpecError.notMeasurable("the runtime cannot run this model: \(error)")
            }
        }
        return ModelLatency(deviceID: device.id, model: SHA256.hex(bytes), threads: threads, batch: batch,
                            statistics: measured.statistics, measuredAt: Timestamp.now(), conditions: measured.conditions)
    }

    public func profiles(_ query: ProfileQuery) async throws -> [ProfileEntry] {
        try store.query(query)
    }

    public func exportLines(_ query: ProfileQuery) async throws -> String {
        try ProfileExport.lines(from: store, query: query)
    }

    public func importLines(_ text: String) async throws -> ProfileExport.Summary {
        try ProfileExport.importLines(text, into: store)
    }
}
