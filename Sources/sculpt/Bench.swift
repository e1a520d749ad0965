import ArgumentParser
import Foundation
import SculptGraph
import SculptProfiles
import SculptRuntime

/// `sculpt bench`: end-to-end latency of a model, measured with the measurement protocol.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a model's latency on this machine.",
        discussion: """
            Runs the model on random inputs: warm-up of at least 0.2 s, then 15 samples, each \
            repeating the model until it lasts at least 10 ms. Reports the median, the 90th \
            percentile and every sample, in milliseconds per run.
            """)

    @OptionGroup var model: ModelArgument

    @Option(help: "Threads to run the model on.")
    var threads = 1

    @Option(help: "Batch size (the first dimension of every input).")
    var batch = 1

    @Option(help: "Samples to take.")
    var samples = 15

    @Flag(help: "Also print the time of each step (text format only).")
    var profile = false

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func validate() throws {
        guard threads >= 1, batch >= 1, samples >= 1 else { throw ValidationError("--threads, --batch and --samples must be at least 1") }
    }

    func run() throws {
        let loaded = try model.load()
        let session = try InferenceSession(model: loaded.model, batch: batch, threads: threads, pinThreads: true, kernels: loaded.kernels)
        var measurement = MeasurementProtocol()
        measurement.samples = samples
        let stats = SessionLatency.measure(session, protocol: measurement)
        switch format {
        case .json:
            try printJSON(BenchReport(model: model.model, threads: threads, batch: batch, statistics: stats))
        case .text:
            print(String(format: "%@: median %.3f ms, p90 %.3f ms, min %.3f ms (%d samples of %d runs, %d thread%@, batch %d)",
                         model.model, stats.medianMilliseconds, stats.p90Milliseconds, stats.minMilliseconds,
                         stats.samplesMilliseconds.count, stats.runsPerSample, threads, threads == 1 ? "" : "s", batch))
            if profile {
                for step in session.profile(runs: max(1, stats.runsPerSample)) {
                    print(String(format: "%9.3f ms  %@  %@", step.milliseconds, padded(step.opType, 20), step.name))
                }
            }
        }
    }
}

struct BenchReport: Encodable {
    var model: String
    var threads: Int
    var batch: Int
    var statistics: LatencyStatistics

    func encode(to encoder: Encoder) throws {
        try statistics.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(model, forKey: .model)
        try container.encode(threads, forKey: .threads)
        try container.encode(batch, forKey: .batch)
    }

    enum Keys: String, CodingKey { case model, threads, batch }
}
