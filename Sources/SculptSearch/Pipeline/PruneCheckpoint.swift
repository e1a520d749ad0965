import Foundation

/// A search interrupted by Ctrl-C, saved in DIR/checkpoint.json so that `--resume` continues it
/// exactly: the options it ran with, what it measured, and the agent's state.
public struct PruneCheckpoint: Codable, Sendable {
    /// 5: the dense model's turns (`DenseTurn`) replace its latency and the fastest configuration's.
    /// 6: the latency table holds the layout conversions' latencies.
    /// 7: the selection share among the options, and the accuracy cost of each candidate alone.
    static let schemaVersion = 7
    static let fileName = "checkpoint.json"

    /// What must be the same to resume: the options that decide the result.
    public struct Options: Codable, Equatable, Sendable, CustomStringConvertible {
        var model: String
        var data: String
        var budget: [String: Double]
        var episodes: Int
        var seed: UInt64
        var recoveryImages: Int
        var selectionShare: Double

        public var description: String {
            "model \(model), data \(data), budget \(budget), \(episodes) episodes, seed \(seed), \(recoveryImages) recovery images, "
                + "selection share \(selectionShare)"
        }
    }

    var schemaVersion = PruneCheckpoint.schemaVersion
    var options: Options
    var latency: LatencyTable
    var denseTurns: [DenseTurn]
    var layerCosts: [[Double]]
    var search: PatternSearch.Checkpoint

    public static func url(in directory: URL) -> URL { directory.appendingPathComponent(fileName) }

    /// The checkpoint in `directory`; errors say why it cannot be resumed.
    public static func read(from directory: URL) throws -> PruneCheckpoint {
        let url = url(in: directory)
        guard let data = try? Data(contentsOf: url) else { throw PipelineError("\(url.relativePath): no checkpoint to resume from") }
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        guard let checkpoint = try? decoder.decode(PruneCheckpoint.self, from: data), checkpoint.schemaVersion == schemaVersion else {
            throw PipelineError("\(url.relativePath): not a checkpoint this version can resume")
        }
        return checkpoint
    }

    func write(to directory: URL) throws {
        // Infinite costs (candidates a layer may not take) are not JSON numbers.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try encoder.encode(self).write(to: Self.url(in: directory), options: .atomic)
    }
}
