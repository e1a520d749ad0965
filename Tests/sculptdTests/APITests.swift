import Foundation
import SculptTestSupport
import Testing

/// The answers of the API, as DESIGN.md specifies them.
@Suite(.stateDirectories) struct APITests {
    @Test func deviceMeasureProfilesAndMetrics() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir())
        defer { _ = try? daemon.stop() }
        let device = try await HTTP.get(daemon, "/v1/device").json
        let fingerprint = try #require(device["device"] as? [String: Any])
        let id = try #require(fingerprint["id"] as? String)
        #expect((fingerprint["cores"] as? Int ?? 0) >= 1)
        #expect(fingerprint["openblas_core_type"] as? String != nil)
        #expect((device["measurable"] as? [String: [String]])?["conv2d"] == ["dense", "kernel", "grouped", "connectivity", "nm"])
        #expect((device["measurable"] as? [String: [String]])?["linear"] == ["dense", "connectivity"])
        #expect((device["measurable"] as? [String: [String]])?["reorder"] == ["dense"])

        let linear: [String: Any] = ["op": "linear", "in_channels": 32, "out_channels": 16, "batch": 4]
        let depthwise = ["op": "conv2d", "in_channels": 8, "out_channels": 8, "height": 8, "width": 8, "kernel": 3, "groups": 8] as [String: Any]
        let reorder: [String: Any] = ["op": "reorder", "in_channels": 24, "out_channels": 24, "height": 7, "width": 9, "input_layout": "planar"]
        let answer = try await HTTP.measure(daemon, [smallSpec(), linear, depthwise, smallSpec(), reorder])
        #expect(answer.status == 200, "\(answer.text)")
        let results = try #require(answer.json["results"] as? [[String: Any]])
        #expect(results.count == 5)
        for result in results {
            for key in ["median_ms", "p90_ms", "min_ms", "mean_ms", "std_ms"] { #expect((result[key] as? Double ?? 0) > 0, "\(key)") }
            #expect((result["samples_ms"] as? [Double])?.count == 5)
            #expect(result["device_id"] as? String == id)
            #expect(result["measured_at"] as? String != nil && result["cached"] as? Bool != nil)
        }
        #expect(results[2]["kernel"] as? String == "depthwise-blocked")
        #expect(results[4]["kernel"] as? String == "block")
        #expect(results[0]["workload"] as? String == results[3]["workload"] as? String)

        let profiles = try await HTTP.get(daemon, "/v1/profiles?op=linear").json["profiles"] as? [[String: Any]]
        #expect(profiles?.count == 1)
        #expect((profiles?.first?["spec"] as? [String: Any])?["in_channels"] as? Int == 32)
        let export = try await HTTP.get(daemon, "/v1/profiles?format=jsonl").text.split(separator: "\n")
        #expect(export.count == 5)  // one device line, four workloads
        #expect(export.allSatisfy { $0.contains(#""schemaVersion":1"#) })

        let metrics = try await HTTP.get(daemon, "/metrics").text
        #expect(metrics.contains("sculptd_measurements_total 4"))
        #expect(metrics.contains("# TYPE sculptd_queue_pending gauge"))
    }

    @Test func aWholeModelIsMeasured() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir())
        defer { _ = try? daemon.stop() }
        let model = try Data(contentsOf: Repository.path("examples/mnist/model.onnx"))
        let answer = try await HTTP.post(daemon, "/v1/models/measure?threads=1", model)
        #expect(answer.status == 200, "\(answer.text)")
        #expect((answer.json["median_ms"] as? Double ?? 0) > 0)
        #expect((answer.json["samples_ms"] as? [Double])?.count == 5)
        #expect(answer.json["threads"] as? Int == 1)
    }

    /// `sculpt measure` and `sculpt profiles` against the daemon (the CLI's remote path).
    @Test func theCLIWorksAgainstTheDaemon() async throws {
        let daemon = try DaemonProcess(stateDir: temporaryStateDir())
        defer { _ = try? daemon.stop() }
        try withTemporaryDirectory { directory in
            let specs = try directory.write(Array(#"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "height": 8, "width": 8, "kernel": 3}]}"#.utf8), to: "specs.json")
            let url = daemon.url.absoluteString
            let first = try runSculpt(["measure", specs.path, "--device", url, "--format", "json"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stdout.contains(#""cached":false"#))
            let second = try runSculpt(["measure", specs.path, "--device", url, "--format", "json"])
            #expect(second.stdout.contains(#""cached":true"#))
            // Measured again now, and not stored: the profile keeps its one measurement.
            let fresh = try runSculpt(["measure", specs.path, "--device", url, "--format", "json", "--fresh"])
            #expect(fresh.status == 0 && fresh.stdout.contains(#""cached":false"#), "\(fresh.stderr)")
            func measuredAt(_ output: String) throws -> String {
                let results = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any]
                return try #require((results?["results"] as? [[String: Any]])?.first?["measured_at"] as? String)
            }
            let (kept, now) = (try measuredAt(second.stdout), try measuredAt(fresh.stdout))
            #expect(kept != now)
            let stored = try runSculpt(["profiles", "query", "--in-channels", "8", "--device", url, "--format", "json"])
            #expect(stored.stdout.contains(kept) && !stored.stdout.contains(now), "\(stored.stdout)")
            let list = try runSculpt(["profiles", "list", "--device", url])
            #expect(list.status == 0 && list.stdout.contains("conv2d 8→8@8x8 k3"), "\(list.stdout)\(list.stderr)")
            let export = try runSculpt(["profiles", "export", "--device", url])
            let file = try directory.write(Array(export.stdout.utf8), to: "export.jsonl")
            let local = directory.file("local.sqlite").path
            let imported = try runSculpt(["profiles", "import", file.path, "--store", local, "--format", "json"])
            #expect(imported.stdout.contains(#""measurements":1"#), "\(imported.stderr)")
            let query = try runSculpt(["profiles", "query", "--in-channels", "8", "--store", local, "--format", "json"])
            #expect(query.stdout.contains(#""in_channels":8"#))
        }
        let unreachable = try runSculpt(["profiles", "list", "--device", "http://127.0.0.1:9"])
        #expect(unreachable.status != 0)
        #expect(unreachable.stderr.contains("cannot reach sculptd at http://127.0.0.1:9"), "\(unreachable.stderr)")
        #expect(unreachable.stderr.split(separator: "\n").count == 1)
    }
}
