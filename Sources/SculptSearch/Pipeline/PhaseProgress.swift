import Foundation

/// Progress of one phase on the log, with an ETA from the pace so far: at most every two seconds,
/// and when the phase ends.
final class PhaseProgress {
    private let name: String, total: Int, log: (String) -> Void
    private let start = Date()
    private var lastLog = Date.distantPast

    init(_ name: String, total: Int, log: @escaping (String) -> Void) {
        (self.name, self.total, self.log) = (name, total, log)
    }

    /// `done` of `total` steps are done; `detail` follows the count.
    func advance(to done: Int, detail: String? = nil) {
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastLog) >= 2 else { return }
        lastLog = now
        let elapsed = now.timeIntervalSince(start)
        let eta = done >= total ? String(format: "done in %.0f s", elapsed)
            : String(format: "ETA %.0f s", elapsed / Double(max(1, done)) * Double(total - done))
        log("  \(name): \(done)/\(total)\(detail.map { " (\($0))" } ?? "")  \(eta)")
    }
}
