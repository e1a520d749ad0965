import Foundation
@testable import SculptProfiles
import SculptTestSupport
import GRDB
import Testing

/// The profile store on a real SQLite file.
@Suite struct StoreTests {
    static let device = DeviceFingerprint.current()

    static func entry(_ spec: KernelSpec, median: Double, at time: Double) -> ProfileEntry {
        ProfileEntry(deviceID: device.id, workload: spec.workloadHash, kernelVersion: KernelVersion.current, spec: spec,
                     kernel: "direct", statistics: LatencyStatistics(samplesMilliseconds: [median, median * 1.1, median * 0.9], runsPerSample: 3),
                     cached: false, measuredAt: Date(timeIntervalSince1970: time),
                     conditions: MeasurementConditions(threads: spec.threads, cpus: [1]), measurementProtocol: MeasurementProtocol())
    }

    static let conv = KernelSpec(inChannels: 8, outChannels: 8, height: 8, width: 8, kernel: 3)
    static let linear = KernelSpec(op: .linear, inChannels: 8, outChannels: 4)

    @Test func recordsAreCachedPerDeviceWorkloadAndProtocol() throws {
        try withTemporaryDirectory { directory in
            let store = try ProfileStore(path: directory.file("profiles.sqlite").path)
            try store.register(Self.device)
            try store.record(Self.entry(Self.conv, median: 2, at: 1_700_000_000.123))
            try store.record(Self.entry(Self.conv, median: 1, at: 1_700_000_100.456))
            let hits = try store.cached(device: Self.device.id, workloads: [Self.conv.workloadHash, Self.linear.workloadHash], measurement: MeasurementProtocol())
            #expect(hits.count == 1)
            let hit = try #require(hits[Self.conv.workloadHash])
            #expect(hit.cached && hit.statistics.medianMilliseconds == 1 && hit.spec == Self.conv)
            #expect(hit.measuredAt.timeIntervalSince1970 == 1_700_000_100.456)
            #expect(try store.cached(device: "dev-other", workloads: [Self.conv.workloadHash], measurement: MeasurementProtocol()).isEmpty)
            #expect(try store.cached(device: Self.device.id, workloads: [Self.conv.workloadHash], measurement: MeasurementTests.quick).isEmpty)
            #expect(try store.integrityCheck() == "ok")
        }
    }

    @Test func queriesFilterBySpecFieldsAndKeepTheLatestUnlessAll() throws {
        try withTemporaryDirectory { directory in
            let store = try ProfileStore(path: directory.file("profiles.sqlite").path)
            try store.register(Self.device)
            try store.record(Self.entry(Self.conv, median: 2, at: 1_700_000_000))
            try store.record(Self.entry(Self.conv, median: 1, at: 1_700_000_100))
            try store.record(Self.entry(Self.linear, median: 3, at: 1_700_000_050))
            #expect(try store.query(ProfileQuery()).count == 2)
            var all = ProfileQuery()
            all.all = true
            #expect(try store.query(all).count == 3)
            var convs = ProfileQuery()
            convs.op = "conv2d"
            convs.kernel = 3
            #expect(try store.query(convs).map(\.statistics.medianMilliseconds) == [1])
            let parsed = try ProfileQuery(queryItems: [("in_channels", "8"), ("family", "dense"), ("limit", "1")])
            #expect(try store.query(parsed).count == 1)
            #expect(throws: SpecError.invalid("unknown query parameter 'size'")) { try ProfileQuery(queryItems: [("size", "8")]) }
        }
    }

    /// Opening a store to read it leaves the fingerprint its measurements were made with (an
    /// export from a shell with another OpenBLAS core type overwrote it); measuring records this machine's.
    @Test func theDeviceIsRecordedWithItsMeasurementsNotWhenTheStoreIsOpened() async throws {
        try await withTemporaryDirectory { directory in
            var earlier = Self.device
            earlier.openblasCoreType = "measured-elsewhere"
            let store = try ProfileStore(path: directory.file("profiles.sqlite").path)
            try store.register(earlier)
            let profiler = LocalProfiler(store: store, measurement: MeasurementTests.quick)
            _ = try await profiler.exportLines(ProfileQuery())
            #expect(try store.devices() == [earlier])
            _ = try await profiler.measure([Self.conv])
            #expect(try store.devices() == [profiler.device])
        }
    }

    @Test func exportAndImportRoundTripWithoutDuplicates() throws {
        try withTemporaryDirectory { directory in
            let source = try ProfileStore(path: directory.file("a.sqlite").path)
            try source.register(Self.device)
            try source.record(Self.entry(Self.conv, median: 1.5, at: 1_700_000_000.5))
            try source.record(Self.entry(Self.linear, median: 0.5, at: 1_700_000_001))
            let lines = try ProfileExport.lines(from: source, query: ProfileQuery())
            let parsed = lines.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            #expect(parsed.map { $0["type"] as? String } == ["device", "measurement", "measurement"])
            #expect(parsed.allSatisfy { $0["schemaVersion"] as? Int == 1 })
            #expect(parsed[1]["median_ms"] as? Double != nil && parsed[1]["samples_ms"] as? [Double] != nil)

            let target = try ProfileStore(path: directory.file("b.sqlite").path)
            #expect(try ProfileExport.importLines(lines, into: target) == .init(devices: 1, measurements: 2, duplicates: 0))
            #expect(try ProfileExport.importLines(lines, into: target) == .init(devices: 1, measurements: 0, duplicates: 2))
            #expect(try target.query(ProfileQuery()) == source.query(ProfileQuery()))
            #expect(try ProfileExport.lines(from: target, query: ProfileQuery()) == lines)
        }
    }

    @Test func badImportsNameTheLineAndChangeNothing() throws {
        try withTemporaryDirectory { directory in
            let store = try ProfileStore(path: directory.file("profiles.sqlite").path)
            let good = #"{"schemaVersion":1,"type":"device","device":\#(String(decoding: try JSONEncoder().encode(Self.device), as: UTF8.self))}"#
            for (text, reason) in [
                (good + "\n{\"schemaVersion\":2,\"type\":\"device\"}", "line 2: schemaVersion 2 is not supported"),
                (good + "\nnot json", "line 2: not a profile line"),
                (#"{"schemaVersion":1,"type":"measurement"}"#, "line 1: not a profile line"),
            ] {
                #expect(throws: StoreError.self) { try ProfileExport.importLines(text, into: store) }
                do { _ = try ProfileExport.importLines(text, into: store) } catch { #expect("\(error)".contains(reason), "\(error)") }
            }
            #expect(try store.devices().isEmpty)
        }
    }

    /// The daemon's pre-encoded answers are byte for byte what JSONEncoder writes.
    @Test func encodedEntriesMatchJSONEncoder() throws {
        struct Answer: Encodable { var results: [ProfileEntry] }
        let entries = [Self.entry(Self.conv, median: 1, at: 1_700_000_000.5), Self.entry(Self.linear, median: 2, at: 1_700_000_001)]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let cache = EncodedEntries(capacity: 1)
        for _ in 0..<2 {
            #expect(try cache.object(key: "results", entries) == encoder.encode(Answer(results: entries)))
        }
    }

    @Test func reopeningMigratesOnce() throws {
        try withTemporaryDirectory { directory in
            let path = directory.file("profiles.sqlite").path
            try ProfileStore(path: path).register(Self.device)
            let again = try ProfileStore(path: path)
            #expect(try again.devices().map(\.id) == [Self.device.id])
            let journal = try again.database.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
            #expect(journal == "wal")
        }
    }
}
