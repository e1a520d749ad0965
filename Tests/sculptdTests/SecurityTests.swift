import Foundation
import Testing

/// Beyond loopback the daemon needs a bearer token, and checks it on every route but /healthz.
@Suite(.stateDirectories) struct SecurityTests {
    @Test func anyAddressButLoopbackNeedsATokenFile() throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir(), arguments: ["--host", "0.0.0.0"], waitUntilListening: false)
        #expect(try daemon.waitForExit() != 0)
        #expect(daemon.log.contains("give a bearer token with --token-file"), "\(daemon.log)")
    }

    @Test func theTokenIsRequiredAndChecked() async throws {
        let stateDir = temporaryStateDir()
        try FileManager.default.createDirectory(at: stateDir, withIntermediateDirectories: true)
        let tokenFile = stateDir.appendingPathComponent("token")
        let token = "s3cret-" + UUID().uuidString
        try Data((token + "\n").utf8).write(to: tokenFile)
        let daemon = try DaemonProcess(stateDir: stateDir, arguments: ["--host", "127.0.0.1", "--token-file", tokenFile.path])
        defer { _ = try? daemon.stop() }
        #expect(try await HTTP.get(daemon, "/healthz").status == 200)
        let missing = try await HTTP.get(daemon, "/v1/device")
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"] == "Bearer")
        for wrong in ["Bearer " + token.dropLast(), "Bearer " + token + "x", "Basic " + token, token] {
            #expect(try await HTTP.get(daemon, "/v1/device", headers: ["Authorization": String(wrong)]).status == 401, "\(wrong)")
        }
        let right = try await HTTP.get(daemon, "/v1/device", headers: ["Authorization": "Bearer " + token])
        #expect(right.status == 200)
        #expect((right.json["device"] as? [String: Any])?["id"] as? String != nil)
    }
}
