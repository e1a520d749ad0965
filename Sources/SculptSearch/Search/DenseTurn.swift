/// One turn of measuring the dense model end to end and its decision layers alone (fresh kernel
/// measurements, not the profile's), close enough in time that the device's load is the same for
/// both: what the rest of the model costs beside its layers (`PruningEnvironment.remainder`).
public struct DenseTurn: Codable, Sendable, Equatable {
    /// The dense model end to end, in milliseconds (measured before and after the layers: the mean).
    public var modelMs: Double
    /// The sum of its decision layers' latencies measured alone, in milliseconds.
    public var layersMs: Double

    public init(modelMs: Double, layersMs: Double) {
        self.modelMs = modelMs
        self.layersMs = layersMs
    }
}
