import Foundation
import Synchronization

/// Counters of the daemon's work, rendered as Prometheus text for `GET /metrics`.
final class DaemonMetrics: Sendable {
    private struct State {
        var requests: [String: Int] = [:]           // "route status" → count
        var requestSeconds: [String: Double] = [:]  // route → total seconds
        var cacheHits = 0
        var measured = 0
        var queueRejections = 0
    }

    private let state = Mutex(State())
    /// Routes reported by name; any other path counts as "other", so that scanners cannot grow the label set.
    static let routes: Set<String> = ["/healthz", "/metrics", "/v1/device", "/v1/measure", "/v1/profiles",
                                      "/v1/profiles/import", "/v1/models/measure"]

    func request(path: String, status: Int, seconds: Double) {
        let route = Self.routes.contains(path) ? path : "other"
        state.withLock {
            $0.requests["\(route) \(status)", default: 0] += 1
            $0.requestSeconds[route, default: 0] += seconds
        }
    }

    func served(hits: Int, measured: Int) {
        state.withLock {
            $0.cacheHits += hits
            $0.measured += measured
        }
    }

    func rejected() { state.withLock { $0.queueRejections += 1 } }

    /// The Prometheus text exposition (version 0.0.4).
    func render(queuePending: Int, storedMeasurements: Int) -> String {
        let snapshot = state.withLock { $0 }
        var lines = [
            "# HELP sculptd_requests_total HTTP requests by route and status.",
            "# TYPE sculptd_requests_total counter",
        ]
        for (key, count) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ")
            lines.append(#"sculptd_requests_total{route="\#(parts[0])",status="\#(parts[1])"} \#(count)"#)
        }
        lines += ["# HELP sculptd_request_seconds_total Time spent answering, by route.", "# TYPE sculptd_request_seconds_total counter"]
        for (route, seconds) in snapshot.requestSeconds.sorted(by: { $0.key < $1.key }) {
            lines.append(#"sculptd_request_seconds_total{route="\#(route)"} \#(seconds)"#)
        }
        lines += [
            "# HELP sculptd_cache_hits_total Specs answered from the profile store.",
            "# TYPE sculptd_cache_hits_total counter", "sculptd_cache_hits_total \(snapshot.cacheHits)",
            "# HELP sculptd_measurements_total Specs measured.",
            "# TYPE sculptd_measurements_total counter", "sculptd_measurements_total \(snapshot.measured)",
            "# HELP sculptd_queue_rejections_total Requests refused with 429 because the queue was full.",
            "# TYPE sculptd_queue_rejections_total counter", "sculptd_queue_rejections_total \(snapshot.queueRejections)",
            "# HELP sculptd_queue_pending Specs waiting for or in measurement.",
            "# TYPE sculptd_queue_pending gauge", "sculptd_queue_pending \(queuePending)",
            "# HELP sculptd_store_measurements Measurements in the profile store.",
            "# TYPE sculptd_store_measurements gauge", "sculptd_store_measurements \(storedMeasurements)",
            "# HELP process_resident_memory_bytes Resident memory of the daemon.",
            "# TYPE process_resident_memory_bytes gauge", "process_resident_memory_bytes \(Self.residentBytes())",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    /// VmRSS from /proc/self/status, in bytes (0 where there is none).
    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kilobytes * 1024
    }
}
