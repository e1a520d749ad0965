import Foundation
import SculptProfiles
import Synchronization
import Testing

/// What a client was told survives the daemon: a graceful stop, and `kill -9` in the middle of
/// writes.
@Suite(.stateDirectories) struct CrashAndRestartTests {
    @Test func sigtermStopsGracefullyAndARestartAnswersFromTheCache() async throws {
        let stateDir = temporaryStateDir()
        let first = try DaemonProcess(stateDir: stateDir)
        let measured = try await HTTP.measure(first, [smallSpec(channels: 8), smallSpec(channels: 16)])
        #expect(measured.status == 200, "\(measured.text)")
        let results = try #require(measured.json["results"] as? [[String: Any]])
        #expect(results.map { $0["cached"] as? Bool } == [false, false])
        #expect(try first.stop() == 0, "\(first.log)")
        #expect(first.log.contains("stopped"))

        let second = try DaemonProcess(stateDir: stateDir)
        defer { _ = try? second.stop() }
        let again = try await HTTP.measure(second, [smallSpec(channels: 16), smallSpec(channels: 8)])
        let cached = try #require(again.json["results"] as? [[String: Any]])
        #expect(cached.map { $0["cached"] as? Bool } == [true, true])
        #expect(cached.map { $0["median_ms"] as? Double } == results.reversed().map { $0["median_ms"] as? Double })
        #expect(cached.map { $0["measured_at"] as? String } == results.reversed().map { $0["measured_at"] as? String })
    }

    @Test func killNineLosesNoAcknowledgedMeasurement() async throws {
        let stateDir = temporaryStateDir()
        // A queue long enough for every writer; the restart keeps the protocol, or nothing would be a cache hit.
        let config = #"{"warmup_seconds": 0.005, "sample_seconds": 0.001, "samples": 5, "queue_capacity": 64}"#
        let daemon = try DaemonProcess(stateDir: stateDir, config: config)
        // Each spec is named by its channel count; what the daemon acknowledged, with its time.
        let acknowledged = Acknowledged()
        // Writers retry what was not acknowledged (a 429, or a request a loaded machine let time
        // out) until the daemon is killed; after the kill every request fails and they stop. They
        // run on threads of their own: with two cores, other tests can hold every cooperative
        // thread of this process for minutes, and no request would be sent before the deadline.
        let writers = DispatchGroup()
        for client in 0..<4 {
            writers.enter()
            Thread {
                defer { writers.leave() }
                for i in 0..<15 {
                    let channels = 4 + client * 15 + i
                    while !acknowledged.killed.withLock({ $0 }) {
                        do {
                            let answer = try HTTP.measureBlocking(daemon, [smallSpec(channels: channels, size: 6)])
                            if answer.status == 200, let result = (answer.json["results"] as? [[String: Any]])?.first,
                               let stamp = result["measured_at"] as? String {
                                acknowledged.list.withLock { $0.append((channels, stamp)) }
                                break
                            }
                            acknowledged.lastFailure.withLock { $0 = "\(answer.status): \(answer.text.prefix(200))" }
                        } catch {
                            acknowledged.lastFailure.withLock { $0 = "\(error)" }
                        }
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                }
            }.start()
        }
        // Kill once some writes are acknowledged and others are in flight.
        let deadline = Date().addingTimeInterval(120)
        while acknowledged.list.withLock({ $0.count }) < 6 && Date() < deadline { usleep(5000) }
        acknowledged.killed.withLock { $0 = true }
        try daemon.crash()
        writers.wait()
        let survivors = acknowledged.list.withLock { $0 }
        #expect(survivors.count >= 6, "last failure: \(acknowledged.lastFailure.withLock { $0 })\n\(daemon.log)")

        let store = try ProfileStore(path: stateDir.appendingPathComponent("profiles.sqlite").path)
        #expect(try store.integrityCheck() == "ok")
        let restarted = try DaemonProcess(stateDir: stateDir, config: config)
        defer { _ = try? restarted.stop() }
        for (channels, stamp) in survivors {
            let answer = try await HTTP.measure(restarted, [smallSpec(channels: channels, size: 6)])
            let result = try #require((answer.json["results"] as? [[String: Any]])?.first, "\(answer.text)")
            #expect(result["cached"] as? Bool == true, "\(channels) channels")
            #expect(result["measured_at"] as? String == stamp)
        }
        #expect(try store.integrityCheck() == "ok")
    }

    @Test func aSecondDaemonOnTheSameStateDirectoryRefusesToStart() async throws {
        let stateDir = temporaryStateDir()
        let first = try DaemonProcess(stateDir: stateDir)
        defer { _ = try? first.stop() }
        let second = try DaemonProcess(stateDir: stateDir, waitUntilListening: false)
        let status = try second.waitForExit()
        #expect(status != 0)
        #expect(second.log.contains("another sculptd (pid \(first.process.processIdentifier)) is already using the state directory"), "\(second.log)")
        #expect(try await HTTP.get(first, "/healthz").status == 200)
    }
}

/// Measurements a client saw acknowledged: (channels of the spec, measured_at); whether the
/// daemon was killed, and the last answer that was not an acknowledgement.
final class Acknowledged: Sendable {
    let list = Mutex<[(channels: Int, measuredAt: String)]>([])
    let killed = Mutex(false)
    let lastFailure = Mutex("")
}
