import Foundation

/// The answer of `POST /v1/models/measure`: a whole model's latency, with the statistics'
/// keys at the top level as in every other answer.
public struct ModelLatency: Codable, Sendable {
    public var deviceID: String
    /// SHA-256 of the model's bytes.
    public var model: String
    public var threads: Int
    public var batch: Int
    public var statistics: LatencyStatistics
    public var measuredAt: Date
    public var conditions: MeasurementConditions

    enum CodingKeys: String, CodingKey {
        case model, threads, batch, conditions
        case deviceID = "device_id", measuredAt = "measured_at"
    }

    public init(deviceID: String, model: String, threads: Int, batch: Int, statistics: LatencyStatistics,
                measuredAt: Date, conditions: MeasurementConditions) {
        self.deviceID = deviceID
        self.model = model
        self.threads = threads
        self.batch = batch
        self.statistics = statistics
        self.measuredAt = measuredAt
        self.conditions = conditions
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deviceID = try c.decode(String.self, forKey: .deviceID)
        model = try c.decode(String.self, forKey: .model)
        threads = try c.decode(Int.self, forKey: .threads)
        batch = try c.decode(Int.self, forKey: .batch)
        statistics = try LatencyStatistics(from: decoder)
        measuredAt = try Timestamp.decode(c, .measuredAt)
        conditions = try c.decode(MeasurementConditions.self, forKey: .conditions)
    }

    public func encode(to encoder: any Encoder) throws {
        try statistics.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(deviceID, forKey: .deviceID)
        try c.encode(model, forKey: .model)
        try c.encode(threads, forKey: .threads)
        try c.encode(batch, forKey: .batch)
        try c.encode(Timestamp.format(measuredAt), forKey: .measuredAt)
        try c.encode(conditions, forKey: .conditions)
    }
}
