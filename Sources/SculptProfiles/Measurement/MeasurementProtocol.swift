import Foundation

/// How a latency is measured, the same way in process and on a daemon: warm up, scale each
/// sample to a minimum duration, take enough samples for stable statistics, keep them all.
public struct MeasurementProtocol: Sendable, Equatable, Codable {
    /// Warm-up lasts at least this long and at least `warmupRuns` runs.
    public var warmupSeconds: Double = 0.2
    public var warmupRuns: Int = 1
    /// Each sample repeats the workload until it lasts at least this long.
    public var sampleSeconds: Double = 0.01
    public var samples: Int = 15

    public init() {}

    public init(warmupSeconds: Double, warmupRuns: Int = 1, sampleSeconds: Double, samples: Int) {
        self.warmupSeconds = warmupSeconds
        self.warmupRuns = warmupRuns
        self.sampleSeconds = sampleSeconds
        self.samples = samples
    }

    /// Measures `workload`; every sample is the mean time of one run within it.
    public func measure(_ workload: () -> Void) -> LatencyStatistics {
        var warmupRuns = 0
        let warmupStart = Self.now()
        repeat {
            workload()
            warmupRuns += 1
        } while warmupRuns < self.warmupRuns || Self.now() - warmupStart < warmupSeconds
        // Samples are scaled from the warm-up's pace; one that still ends too soon (the machine got
        // faster) is discarded and the scale raised, so every sample kept lasts `sampleSeconds`.
        var runsPerSample = max(1, Int((sampleSeconds / max((Self.now() - warmupStart) / Double(warmupRuns), 1e-9)).rounded(.up)))
        var samples = [Double]()
        samples.reserveCapacity(self.samples)
        while samples.count < self.samples {
            let start = Self.now()
            for _ in 0..<runsPerSample { workload() }
            let elapsed = Self.now() - start
            guard elapsed >= sampleSeconds else {
                runsPerSample = max(runsPerSample + 1, Int((Double(runsPerSample) * sampleSeconds * 1.1 / max(elapsed, 1e-9)).rounded(.up)))
                samples.removeAll(keepingCapacity: true)
                continue
            }
            samples.append(elapsed / Double(runsPerSample) * 1000)
        }
        return LatencyStatistics(samplesMilliseconds: samples, runsPerSample: runsPerSample)
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

/// Statistics of latency samples, in milliseconds.
public struct LatencyStatistics: Sendable, Equatable, Codable {
    public var medianMilliseconds: Double
    public var p90Milliseconds: Double
    public var minMilliseconds: Double
    public var meanMilliseconds: Double
    public var stdMilliseconds: Double
    public var samplesMilliseconds: [Double]
    public var runsPerSample: Int

    public init(samplesMilliseconds samples: [Double], runsPerSample: Int) {
        precondition(!samples.isEmpty, "statistics need at least one sample")
        let sorted = samples.sorted()
        medianMilliseconds = LatencyStatistics.quantile(sorted, 0.5)
        p90Milliseconds = LatencyStatistics.quantile(sorted, 0.9)
        minMilliseconds = sorted[0]
        meanMilliseconds = samples.reduce(0, +) / Double(samples.count)
        let mean = meanMilliseconds
        stdMilliseconds = (samples.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(max(samples.count - 1, 1))).squareRoot()
        samplesMilliseconds = samples
        self.runsPerSample = runsPerSample
    }

    /// Linear interpolation between closest ranks (NumPy's default).
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let position = q * Double(sorted.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - Double(lower))
    }

    enum CodingKeys: String, CodingKey {
        case medianMilliseconds = "median_ms", p90Milliseconds = "p90_ms", minMilliseconds = "min_ms"
        case meanMilliseconds = "mean_ms", stdMilliseconds = "std_ms", samplesMilliseconds = "samples_ms"
        case runsPerSample = "runs_per_sample"
    }
}
