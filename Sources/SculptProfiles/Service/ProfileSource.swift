import Foundation
/// Where profiles come from: this machine (`LocalProfiler`) or a daemon (`DaemonClient`, in
/// SculptProfilesClient).
/// `sculpt measure` and `sculpt profiles` use either through this protocol.
public protocol ProfileSource: Sendable {
    /// The device's fingerprint, and what it can measure.
    func deviceReport() async throws -> DeviceReport
    /// One result per spec, in order; cached ones from the store, unless `fresh`: then each is
    /// measured now and not stored (`KernelSpecBatch.fresh`).
    func measure(_ specs: [KernelSpec], fresh: Bool) async throws -> [ProfileEntry]
    /// The end-to-end latency of a model: ONNX bytes (dense runtime) or a `.sculpt` file (sparse kernels).
    func measureModel(_ bytes: Data, threads: Int, batch: Int) async throws -> ModelLatency
    /// Stored measurements matching `query`.
    func profiles(_ query: ProfileQuery) async throws -> [ProfileEntry]
    /// The JSON Lines export of what `query` matches.
    func exportLines(_ query: ProfileQuery) async throws -> String
    /// Imports JSON Lines.
    func importLines(_ text: String) async throws -> ProfileExport.Summary
}

extension ProfileSource {
    /// One result per spec, in order; cached ones from the store.
    public func measure(_ specs: [KernelSpec]) async throws -> [ProfileEntry] { try await measure(specs, fresh: false) }
}

/// The answer of `GET /v1/device`: the fingerprint, and the capabilities of the measuring side.
public struct DeviceReport: Codable, Sendable {
    public var device: DeviceFingerprint
    /// Pattern families measurable per operation (the others answer 422 for now).
    public var measurable: [String: [String]]
    public var limits: SpecLimits
    public var measurementProtocol: MeasurementProtocol

    enum CodingKeys: String, CodingKey {
        case device, measurable, limits
        case measurementProtocol = "protocol"
    }
}
