import Foundation
import SculptTestSupport
import Testing

/// `sculpt measure` and `sculpt profiles` in process (`--device local`), on a store in a
/// temporary folder.
@Suite struct ProfilesCLITests {
    static let specs = #"""
        {"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "height": 8, "width": 8, "kernel": 3,
                    "stride": 1, "groups": 1, "pattern": {"family": "dense"}, "threads": 1},
                   {"op": "linear", "in_channels": 16, "out_channels": 8}]}
        """#

    @Test func measureCachesAndProfilesListShowQueryExportImport() throws {
        try withTemporaryDirectory { directory in
            let specs = try directory.write(Array(Self.specs.utf8), to: "specs.json")
            let store = directory.file("profiles.sqlite").path
            let first = try json(["measure", specs.path, "--store", store, "--format", "json"])
            let results = try #require(first["results"] as? [[String: Any]])
            #expect(results.map { $0["cached"] as? Bool } == [false, false])
            // The full protocol of DESIGN.md: 15 samples of at least 10 ms each.
            for result in results {
                #expect((result["samples_ms"] as? [Double])?.count == 15)
                let runs = try #require(result["runs_per_sample"] as? Int), median = try #require(result["median_ms"] as? Double)
                #expect(Double(runs) * median >= 9)
            }
            let second = try json(["measure", specs.path, "--store", store, "--format", "json"])
            #expect((second["results"] as? [[String: Any]])?.map { $0["cached"] as? Bool } == [true, true])
            #expect(second["device_id"] as? String == first["device_id"] as? String)

            let text = try runSculpt(["measure", specs.path, "--store", store])
            #expect(text.stdout.contains("conv2d 8→8@8x8 k3 s1 dense t1") && text.stdout.contains("cached"))

            let list = try json(["profiles", "list", "--store", store, "--format", "json"])
            #expect((list["profiles"] as? [Any])?.count == 2)
            let query = try json(["profiles", "query", "--op", "linear", "--store", store, "--format", "json"])
            let linear = try #require((query["profiles"] as? [[String: Any]])?.first)
            let workload = try #require(linear["workload"] as? String)
            let shown = try runSculpt(["profiles", "show", String(workload.prefix(12)), "--store", store])
            #expect(shown.status == 0 && shown.stdout.contains("linear 16→8"), "\(shown.stderr)")
            let device = try runSculpt(["profiles", "show", "--store", store])
            #expect(device.stdout.contains("measurable conv2d: dense"), "\(device.stdout)")

            let exported = directory.file("export.jsonl").path
            #expect(try runSculpt(["profiles", "export", "--store", store, "--out", exported]).status == 0)
            let lines = try String(contentsOfFile: exported, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 3 && lines.allSatisfy { $0.hasPrefix(#"{"schemaVersion":1,"type":"#) })
            let other = directory.file("other.sqlite").path
            let imported = try json(["profiles", "import", exported, "--store", other, "--format", "json"])
            #expect(imported["measurements"] as? Int == 2 && imported["devices"] as? Int == 1)
            let again = try runSculpt(["profiles", "import", exported, "--store", other])
            #expect(again.stdout.contains("imported 0 measurements of 1 devices (2 already there)"))
        }
    }

    struct BadInput: CustomTestStringConvertible, Sendable {
        var specs: String
        var message: String
        var testDescription: String { message }
    }

    @Test(arguments: [
        BadInput(specs: "{", message: "specs.json: not a spec file"),
        BadInput(specs: #"{"specs": [{"op": "conv2d", "in_channels": 8}]}"#, message: "missing key 'out_channels'"),
        BadInput(specs: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "height": 0}]}"#,
                 message: "specs[0]: height must be 1...2048, not 0"),
        BadInput(specs: #"{"specs": [{"op": "conv2d", "in_channels": 8, "out_channels": 8, "kernel": 3, "pattern": {"family": "shape"}}]}"#,
                 message: "specs[0]: shape patterns are lowered to smaller dense layers: measure those"),
    ])
    func badSpecFilesGiveOneLine(input: BadInput) throws {
        try withTemporaryDirectory { directory in
            let specs = try directory.write(Array(input.specs.utf8), to: "specs.json")
            let result = try runSculpt(["measure", specs.path, "--store", directory.file("p.sqlite").path])
            #expect(result.status != 0)
            #expect(result.stderr.contains(input.message), "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
    }

    @Test func aBadDeviceIsAUsageError() throws {
        let result = try runSculpt(["profiles", "list", "--device", "board7"])
        #expect(result.status != 0)
        #expect(result.stderr.contains("--device must be 'local' or an http(s) URL"))
    }
}
