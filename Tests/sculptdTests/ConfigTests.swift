import Foundation
import Testing

/// The config file is checked strictly, and flags override it.
@Suite(.stateDirectories) struct ConfigTests {
    @Test func anUnknownKeyIsRefusedByName() throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(), config: #"{"sampels": 3}"#, waitUntilListening: false)
        #expect(try daemon.waitForExit() != 0)
        #expect(daemon.log.contains("unknown key 'sampels'"), "\(daemon.log)")
    }

    @Test func aWrongTypeIsRefusedByName() throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(), config: #"{"queue_capacity": "many"}"#, waitUntilListening: false)
        #expect(try daemon.waitForExit() != 0)
        #expect(daemon.log.contains("queue_capacity: expected Int"), "\(daemon.log)")
    }

    /// The file says port 1 (privileged, unusable); the flag (`--port 0`, given by DaemonProcess) wins.
    @Test func flagsOverrideTheFile() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(), config: #"{"port": 1, "samples": 3}"#)
        defer { _ = try? daemon.stop() }
        #expect(daemon.port > 1)
        let report = try await HTTP.get(daemon, "/v1/device").json
        #expect((report["protocol"] as? [String: Any])?["samples"] as? Int == 3)
    }
}
