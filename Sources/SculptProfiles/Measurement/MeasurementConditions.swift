/// The state of the machine around one measurement: what ran where, and the clock and
/// temperature before and after (nil where the board does not expose them).
public struct MeasurementConditions: Codable, Sendable, Equatable {
    public var threads: Int
    /// The CPUs the measuring threads were pinned to (empty when pinning was not possible).
    public var cpus: [Int]
    public var governor: String?
    public var frequencyMHzBefore: [Double]?
    public var frequencyMHzAfter: [Double]?
    public var temperatureCelsiusBefore: Double?
    public var temperatureCelsiusAfter: Double?

    enum CodingKeys: String, CodingKey {
        case threads, cpus, governor
        case frequencyMHzBefore = "frequency_mhz_before", frequencyMHzAfter = "frequency_mhz_after"
        case temperatureCelsiusBefore = "temperature_c_before", temperatureCelsiusAfter = "temperature_c_after"
    }

    // Absent readings are written as null, not left out: "not exposed" is itself a fact.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(threads, forKey: .threads)
        try c.encode(cpus, forKey: .cpus)
        try c.encode(governor, forKey: .governor)
        try c.encode(frequencyMHzBefore, forKey: .frequencyMHzBefore)
        try c.encode(frequencyMHzAfter, forKey: .frequencyMHzAfter)
        try c.encode(temperatureCelsiusBefore, forKey: .temperatureCelsiusBefore)
        try c.encode(temperatureCelsiusAfter, forKey: .temperatureCelsiusAfter)
    }

    /// Runs `body` between readings of the clocks and temperatures of `cpus`.
    static func around<T>(threads: Int, cpus: [Int], _ body: () throws -> T) rethrows -> (T, MeasurementConditions) {
        let governor = SystemFiles.governors(cpus).first
        let frequencyBefore = SystemFiles.frequenciesMHz(cpus), temperatureBefore = SystemFiles.temperatureCelsius()
        let result = try body()
        let conditions = MeasurementConditions(
            threads: threads, cpus: cpus, governor: governor,
            frequencyMHzBefore: frequencyBefore, frequencyMHzAfter: SystemFiles.frequenciesMHz(cpus),
            temperatureCelsiusBefore: temperatureBefore, temperatureCelsiusAfter: SystemFiles.temperatureCelsius())
        return (result, conditions)
    }
}
