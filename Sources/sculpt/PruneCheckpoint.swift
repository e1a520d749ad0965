import Foundation
import SculptSearch
import Synchronization

/// A search interrupted by Ctrl-C, saved in DIR/checkpoint.json so that `--resume` continues it
/// exactly: the options it ran with, the latencies it measured, and the agent's state.
struct PruneCheckpoint: Codable {
    /// 5: the dense model's turns (`DenseTurn`) replace its latency and the fastest configuration's.
    /// 6: the latency table holds the layout conversions' latencies.
    static let schemaVersion = 6
    static let fileName = "checkpoint.json"

    struct Options: Codable, Equatable {
        var model: String
        var data: String
        var budget: [String: Double]
        var episodes: Int
        var seed: UInt64
        var recoveryImages: Int
    }

    var schemaVersion = PruneCheckpoint.schemaVersion
    var options: Options
    var latency: LatencyTable
    var denseTurns: [DenseTurn]
    var search: PatternSearch.Checkpoint

    static func url(in directory: URL) -> URL { directory.appendingPathComponent(fileName) }

    static func read(from directory: URL) throws -> PruneCheckpoint {
        let url = url(in: directory)
        guard let data = try? Data(contentsOf: url) else { throw CommandError("\(url.relativePath): no checkpoint to resume from") }
        guard let checkpoint = try? JSONDecoder().decode(PruneCheckpoint.self, from: data), checkpoint.schemaVersion == schemaVersion else {
            throw CommandError("\(url.relativePath): not a checkpoint this version can resume")
        }
        return checkpoint
    }

    func write(to directory: URL) throws {
        try JSONEncoder().encode(self).write(to: Self.url(in: directory), options: .atomic)
    }
}

/// Set by the first Ctrl-C; a second one ends the process at once.
let interruption = Atomic<Bool>(false)

func catchInterruption() {
    // A parent may have started us with SIGINT blocked (threads of a test runner do): unblock it.
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    signal(SIGINT) { _ in
        interruption.store(true, ordering: .relaxed)
        signal(SIGINT, SIG_DFL)
    }
}
