import Foundation
import GRDB

/// Conversions between store rows and profile entries.
enum StoreRows {
    /// Selects every column an entry needs; callers append WHERE and ORDER BY.
    static let select = """
        SELECT m.device_id, m.workload_hash, m.protocol, m.kernel, m.samples_ms, m.runs_per_sample,
               m.conditions, m.measured_at, w.kernel_version, w.spec
        FROM measurements m JOIN workloads w ON w.hash = m.workload_hash
        """

    static func entry(_ row: Row) throws -> ProfileEntry {
        let samples = try StoreJSON.decode([Double].self, row["samples_ms"])
        guard !samples.isEmpty else { throw StoreError("measurement of \(row["workload_hash"] as String) has no samples") }
        return ProfileEntry(
            deviceID: row["device_id"], workload: row["workload_hash"], kernelVersion: row["kernel_version"],
            spec: try StoreJSON.decode(KernelSpec.self, row["spec"]), kernel: row["kernel"],
            statistics: LatencyStatistics(samplesMilliseconds: samples, runsPerSample: row["runs_per_sample"]),
            cached: false, measuredAt: Date(timeIntervalSince1970: Double(row["measured_at"] as Int64) / 1000),
            conditions: try StoreJSON.decode(MeasurementConditions.self, row["conditions"]),
            measurementProtocol: try StoreJSON.decode(MeasurementProtocol.self, row["protocol"]))
    }

    /// Inserts `entry`'s workload (when new) and measurement; a measurement already stored
    /// (same device, workload and time) is left alone. Returns whether it was new.
    @discardableResult
    static func insert(_ entry: ProfileEntry, in db: Database) throws -> Bool {
        let spec = entry.spec
        try db.execute(sql: """
            INSERT OR IGNORE INTO workloads (hash, kernel_version, spec, op, family, in_channels, out_channels,
                                             height, width, kernel, stride, groups, threads, batch)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.workload, entry.kernelVersion, spec.canonicalJSON, spec.op.rawValue,
                             spec.pattern.family.rawValue, spec.inChannels, spec.outChannels, spec.height, spec.width,
                             spec.kernel, spec.stride, spec.groups, spec.threads, spec.batch])
        let stats = entry.statistics
        try db.execute(sql: """
            INSERT OR IGNORE INTO measurements (device_id, workload_hash, protocol, kernel, median_ms, p90_ms, min_ms,
                                                mean_ms, std_ms, samples_ms, runs_per_sample, conditions, measured_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [entry.deviceID, entry.workload, try StoreJSON.string(entry.measurementProtocol), entry.kernel,
                             stats.medianMilliseconds, stats.p90Milliseconds, stats.minMilliseconds,
                             stats.meanMilliseconds, stats.stdMilliseconds, try StoreJSON.string(stats.samplesMilliseconds),
                             stats.runsPerSample, try StoreJSON.string(entry.conditions),
                             Timestamp.milliseconds(entry.measuredAt)])
        return db.changesCount > 0
    }
}

/// A store file whose contents make no sense.
public struct StoreError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// JSON in store columns: sorted keys, so equal values are equal strings (cache keys compare them).
enum StoreJSON {
    static func string<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
