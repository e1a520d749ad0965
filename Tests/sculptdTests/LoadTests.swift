import Foundation
import Testing

/// Many clients at once: every answer is a success, or a documented 429 (queue full, with
/// Retry-After) for requests that need measuring.
@Suite(.stateDirectories) struct LoadTests {
    @Test func thousandMixedRequestsFromSixteenClients() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir())
        defer { _ = try? daemon.stop() }
        let cachedBatch = try JSONSerialization.data(withJSONObject: ["specs": (1...8).map { smallSpec(channels: 4 * $0) }])
        let primed = try await HTTP.post(daemon, "/v1/measure", cachedBatch)
        #expect(primed.status == 200, "\(primed.text)")

        let clients = 16, perClient = 1000 / 16 + 1
        let outcomes = try await withThrowingTaskGroup(of: [String].self) { group in
            for client in 0..<clients {
                group.addTask {
                    var problems = [String]()
                    for i in 0..<perClient where client * perClient + i < 1000 {
                        let n = client * perClient + i
                        let answer: HTTPAnswer, measuring: Bool
                        switch n % 6 {
                        case 0: (answer, measuring) = (try await HTTP.get(daemon, "/healthz"), false)
                        case 1: (answer, measuring) = (try await HTTP.get(daemon, "/v1/device"), false)
                        case 2: (answer, measuring) = (try await HTTP.get(daemon, "/v1/profiles?op=conv2d&kernel=3"), false)
                        case 3: (answer, measuring) = (try await HTTP.get(daemon, "/metrics"), false)
                        case 4: (answer, measuring) = (try await HTTP.post(daemon, "/v1/measure", cachedBatch), false)
                        default:
                            // A new spec every so often: misses go through the bounded queue.
                            let miss = n % 30 == 5
                            let spec = miss ? smallSpec(channels: 3, size: 4 + n / 30) : smallSpec(channels: 4 * (1 + n % 8))
                            (answer, measuring) = (try await HTTP.measure(daemon, [spec]), miss)
                        }
                        if answer.status == 200 { continue }
                        if answer.status == 429 && measuring && answer.headers["retry-after"] != nil { continue }
                        problems.append("request \(n): \(answer.status) \(answer.text)")
                    }
                    return problems
                }
            }
            return try await group.reduce(into: [String]()) { $0 += $1 }
        }
        #expect(outcomes.isEmpty, "\(outcomes.prefix(5))")
        let metrics = try await HTTP.get(daemon, "/metrics").text
        #expect(metrics.contains(#"sculptd_requests_total{route="/v1/measure",status="200"}"#))
        #expect(metrics.contains("sculptd_cache_hits_total"))
    }

    /// Misses beyond the queue's capacity get 429 with Retry-After at once; cached specs never do.
    @Test func aFullQueueAnswers429WithRetryAfter() async throws {
        // Slow samples (1 s each; they last that long however loaded the machine is) keep the
        // one-spec queue busy for five seconds while the second batch arrives. One second was
        // too short in CI: under the parallel tests' load the next request came after it.
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(),
                                       config: #"{"warmup_seconds": 0.01, "sample_seconds": 1.0, "samples": 5, "queue_capacity": 1}"#)
        defer { _ = try? daemon.stop() }
        let cached = try await HTTP.measure(daemon, [smallSpec(channels: 4)])  // measured once, then cached
        #expect(cached.status == 200)
        let busy = Task { try await HTTP.measure(daemon, [smallSpec(channels: 5)]) }
        // Once the daemon reports the busy spec pending, a new miss does not fit.
        var pending = false
        for _ in 0..<200 where !pending {
            pending = try await HTTP.get(daemon, "/metrics").text.contains("sculptd_queue_pending 1\n")
            if !pending { try await Task.sleep(for: .milliseconds(2)) }
        }
        #expect(pending)
        let answer = try await HTTP.measure(daemon, [smallSpec(channels: 6)])
        #expect(try await HTTP.measure(daemon, [smallSpec(channels: 4)]).status == 200)
        #expect(answer.status == 429, "\(answer.text)")
        #expect(Int(answer.headers["retry-after"] ?? "") ?? 0 >= 1)
        #expect((answer.json["error"] as? String)?.contains("measurement queue is full") == true)
        #expect(try await busy.value.status == 200)
        #expect(try await HTTP.get(daemon, "/metrics").text.contains("sculptd_queue_rejections_total 1"))
    }
}
