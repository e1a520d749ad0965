import Foundation
import Testing

/// Malformed requests get a 4xx with a reason, and the daemon keeps serving.
@Suite(.stateDirectories) struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method = "POST"
        var path = "/v1/measure"
        var body: String?
        var status: Int
        var reason: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "malformed JSON", body: #"{"specs": [{"op": "conv2d",,}]}"#, status: 400, reason: "malformed"),
        Case(name: "wrong type", body: #"{"specs": [{"op": "conv2d", "in_channels": "64", "out_channels": 64}]}"#,
             status: 400, reason: "specs[0].in_channels"),
        Case(name: "missing key", body: #"{"specs": [{"op": "conv2d", "in_channels": 64}]}"#, status: 400, reason: "out_channels"),
        Case(name: "unknown op", body: #"{"specs": [{"op": "lstm", "in_channels": 4, "out_channels": 4}]}"#, status: 400, reason: "op"),
        Case(name: "absurd channels", body: #"{"specs": [{"op": "conv2d", "in_channels": 1000000000, "out_channels": 64, "height": 8, "width": 8}]}"#,
             status: 400, reason: "specs[0]: in_channels must be"),
        Case(name: "absurd spatial size", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "height": 100000, "width": 8}]}"#,
             status: 400, reason: "height must be"),
        Case(name: "too many threads", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "threads": 4096}]}"#,
             status: 400, reason: "threads must be"),
        Case(name: "negative batch", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "batch": -1}]}"#,
             status: 400, reason: "batch must be"),
        Case(name: "memory bomb within each bound", body: #"{"specs": [{"op": "conv2d", "in_channels": 8192, "out_channels": 8192, "height": 2048, "width": 2048, "kernel": 11, "batch": 64}]}"#,
             status: 400, reason: "limit"),
        Case(name: "groups not dividing", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 6, "groups": 4}]}"#,
             status: 400, reason: "groups"),
        Case(name: "empty batch", body: #"{"specs": []}"#, status: 400, reason: "empty"),
        Case(name: "bad pattern", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "pattern": {"family": "grouped", "keep": 12}}]}"#,
             status: 400, reason: "keep"),
        Case(name: "pattern measured as its lowered layers", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "kernel": 3, "pattern": {"family": "shape"}}]}"#,
             status: 422, reason: "lowered"),
        Case(name: "pattern that does not fit the layer", body: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "kernel": 3, "pattern": {"family": "nm"}}]}"#,
             status: 400, reason: "do not apply"),
        Case(name: "unknown route", method: "GET", path: "/v2/everything", status: 404, reason: "no such route"),
        Case(name: "wrong method", method: "DELETE", path: "/v1/profiles", status: 404, reason: ""),
        Case(name: "bad query", method: "GET", path: "/v1/profiles?in_channels=many", status: 400, reason: "in_channels"),
        Case(name: "unknown query", method: "GET", path: "/v1/profiles?colour=red", status: 400, reason: "colour"),
        Case(name: "model that is not ONNX", path: "/v1/models/measure?threads=1", body: "not a model", status: 400, reason: "ONNX"),
        Case(name: "model threads", path: "/v1/models/measure?threads=zero", body: "x", status: 400, reason: "threads"),
        Case(name: "import garbage", path: "/v1/profiles/import", body: "{\"schemaVersion\": 99, \"type\": \"device\"}", status: 400, reason: "schemaVersion"),
    ]

    @Test func everyBadRequestIsRefusedAndTheDaemonKeepsServing() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir())
        defer { _ = try? daemon.stop() }
        for test in Self.cases {
            let answer = try await HTTP.send(test.method, URL(string: daemon.url.absoluteString + test.path)!,
                                             body: test.body.map { Data($0.utf8) })
            #expect(answer.status == test.status, "\(test.name): \(answer.status) \(answer.text)")
            if test.status != 404 || !test.reason.isEmpty {
                let reason = answer.json["error"] as? String ?? ""
                #expect(reason.contains(test.reason), "\(test.name): \(answer.text)")
            }
            #expect(try await HTTP.get(daemon, "/healthz").status == 200, "after \(test.name)")
        }
    }

    /// A 100 MB body: refused (413) or the connection cut, never a dead daemon.
    @Test func hundredMegabyteBodyIsRefused() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir())
        defer { _ = try? daemon.stop() }
        let body = Data(repeating: UInt8(ascii: "["), count: 100_000_000)
        for path in ["/v1/measure", "/v1/models/measure"] {
            if let answer = try? await HTTP.post(daemon, path, body) {
                #expect(answer.status == 413, "\(path): \(answer.status) \(answer.text)")
            }
            #expect(try await HTTP.get(daemon, "/healthz").status == 200)
        }
        #expect(daemon.process.isRunning)
        let after = try await HTTP.measure(daemon, [smallSpec()])
        #expect(after.status == 200, "\(after.text)")
    }
}
