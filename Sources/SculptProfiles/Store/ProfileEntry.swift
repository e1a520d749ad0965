import Foundation

/// One measurement of one workload on one device: the answer to a spec, a row of the store and
/// a line of an export.
///
/// JSON: `median_ms`, `p90_ms`, `min_ms`, `mean_ms`, `std_ms`, `samples_ms`, `runs_per_sample`
/// (the statistics, at the top level as the contract lists them), `cached`, `measured_at`
/// (ISO 8601), `device_id`, `workload` (the hash), `kernel_version`, `kernel` (which kernel ran),
/// `spec`, `conditions` and `protocol`.
public struct ProfileEntry: Codable, Sendable, Equatable {
    public var deviceID: String
    public var workload: String
    public var kernelVersion: String
    public var spec: KernelSpec
    public var kernel: String
    public var statistics: LatencyStatistics
    public var cached: Bool
    public var measuredAt: Date
    public var conditions: MeasurementConditions
    public var measurementProtocol: MeasurementProtocol

    public init(deviceID: String, workload: String, kernelVersion: String, spec: KernelSpec, kernel: String,
                statistics: LatencyStatistics, cached: Bool, measuredAt: Date, conditions: MeasurementConditions,
                measurementProtocol: MeasurementProtocol) {
        self.deviceID = deviceID
        self.workload = workload
        self.kernelVersion = kernelVersion
        self.spec = spec
        self.kernel = kernel
        self.statistics = statistics
        self.cached = cached
        self.measuredAt = measuredAt
        self.conditions = conditions
        self.measurementProtocol = measurementProtocol
    }

    enum CodingKeys: String, CodingKey {
        case workload, spec, kernel, cached, conditions
        case deviceID = "device_id", kernelVersion = "kernel_version", measuredAt = "measured_at"
        case measurementProtocol = "protocol"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try c.decode(String.self, forKey: .deviceID)
        workload = try c.decode(String.self, forKey: .workload)
        kernelVersion = try c.decode(String.self, forKey: .kernelVersion)
        spec = try c.decode(KernelSpec.self, forKey: .spec)
        kernel = try c.decode(String.self, forKey: .kernel)
        statistics = try LatencyStatistics(from: decoder)
        cached = try c.decodeIfPresent(Bool.self, forKey: .cached) ?? false
        measuredAt = try Timestamp.decode(c, .measuredAt)
        conditions = try c.decode(MeasurementConditions.self, forKey: .conditions)
        measurementProtocol = try c.decode(MeasurementProtocol.self, forKey: .measurementProtocol)
    }

    public func encode(to encoder: any Encoder) throws {
        try statistics.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deviceID, forKey: .deviceID)
        try c.encode(workload, forKey: .workload)
        try c.encode(kernelVersion, forKey: .kernelVersion)
        try c.encode(spec, forKey: .spec)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(cached, forKey: .cached)
        try c.encode(Timestamp.format(measuredAt), forKey: .measuredAt)
        try c.encode(conditions, forKey: .conditions)
        try c.encode(measurementProtocol, forKey: .measurementProtocol)
    }
}

/// Times as ISO 8601 in UTC with milliseconds, the precision the store keeps.
enum Timestamp {
    /// Whole milliseconds since 1970, rounded: what the store writes and exports show.
    static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// Now, rounded to the millisecond, so that an answer and its stored copy show the same time.
    static func now() -> Date { Date(timeIntervalSince1970: Double(milliseconds(Date())) / 1000) }

    static func format(_ date: Date) -> String {
        let ms = milliseconds(date)
        let seconds = Date(timeIntervalSince1970: Double(ms / 1000))
        let text = seconds.formatted(Date.ISO8601FormatStyle())
        return text.dropLast() + String(format: ".%03dZ", Int(ms % 1000))
    }

    /// Decodes the time at `key`; a string that is not ISO 8601 is a data error naming the key.
    static func decode<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> Date {
        let text = try container.decode(String.self, forKey: key)
        guard let date = parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not an ISO 8601 time: \(text)")
        }
        return date
    }

    static func parse(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text))
            ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
