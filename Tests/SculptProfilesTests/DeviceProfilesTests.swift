import Foundation
@testable import SculptProfiles
import SculptTestSupport
import Testing

/// The reference profiles committed in device-profiles/ import cleanly and cover their specs.
@Suite struct DeviceProfilesTests {
    @Test func theCommittedProfileImportsAndCoversTheReferenceSpecs() throws {
        let specs = try JSONDecoder().decode(KernelSpecBatch.self,
                                             from: Data(contentsOf: Repository.path("device-profiles/specs-reference.json"))).specs
        let text = try String(contentsOf: Repository.path("device-profiles/amd-epyc-zen3-2vcpu.jsonl"), encoding: .utf8)
        try withTemporaryDirectory { directory in
            let store = try ProfileStore(path: directory.file("profiles.sqlite").path)
            let summary = try ProfileExport.importLines(text, into: store)
            #expect(summary == .init(devices: 1, measurements: specs.count, duplicates: 0))
            let entries = try store.query(ProfileQuery())
            #expect(Set(entries.map(\.workload)) == Set(specs.map(\.workloadHash)))
            #expect(entries.allSatisfy { $0.measurementProtocol == MeasurementProtocol() && $0.statistics.samplesMilliseconds.count == 15 })
            // Every measurement ran pinned, one CPU per thread.
            #expect(entries.allSatisfy { $0.conditions.cpus.count == $0.spec.threads })
        }
    }
}
