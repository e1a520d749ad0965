import ArgumentParser
import Foundation
import SculptProfiles

/// `sculpt measure`: latencies of kernel specs on a device, from its cache or measured.
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure kernel specs on this machine or on a sculptd.",
        discussion: """
            SPECS.json holds {"specs": [{"op": "conv2d", "in_channels": 64, "out_channels": 64, \
            "height": 56, "width": 56, "kernel": 3, "stride": 1, "groups": 1, \
            "pattern": {"family": "dense"}, "threads": 1}, ...]} (DESIGN.md's kernel spec; "op" is \
            conv2d, linear, or reorder for a layout conversion between layers: docs/daemon.md). \
            Specs measured before on the device are answered from its profile store (cached: true), \
            unless --fresh is given.
            """)

    @Argument(help: "The specs file.", completion: .file(extensions: ["json"]))
    var specs: String

    @OptionGroup var device: DeviceOptions

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(help: "Measure every spec now, stored or not, and store none of these measurements (how fast the kernels run at this moment).")
    var fresh = false

    func run() throws {
        guard let data = FileManager.default.contents(atPath: specs) else { throw CommandError("\(specs): no such file") }
        let batch: KernelSpecBatch
        do { batch = try JSONDecoder().decode(KernelSpecBatch.self, from: data) } catch {
            throw CommandError("\(specs): not a spec file: \(DecodingFailure.describe(error))")
        }
        let source = try device.source()
        let fresh = fresh || batch.fresh == true
        let results = try waitFor { try await source.measure(batch.specs, fresh: fresh) }
        switch format {
        case .json:
            try printJSON(MeasureReport(device: results.first?.deviceID ?? "", results: results))
        case .text:
            for entry in results { print(ProfileTable.line(entry)) }
        }
    }
}

/// `sculpt measure --format json`: the device and one result per spec, as `POST /v1/measure`.
struct MeasureReport: Encodable {
    var device: String
    var results: [ProfileEntry]

    enum CodingKeys: String, CodingKey {
        case results
        case device = "device_id"
    }
}

/// Text lines for profile entries.
enum ProfileTable {
    static func line(_ entry: ProfileEntry) -> String {
        let stats = entry.statistics
        return String(format: "%@  median %9.4f ms  p90 %9.4f ms  %@  %@  %@",
                      padded(entry.spec.summary, 52), stats.medianMilliseconds, stats.p90Milliseconds,
                      entry.cached ? "cached  " : "measured", String(entry.workload.prefix(12)), entry.kernel)
    }
}
