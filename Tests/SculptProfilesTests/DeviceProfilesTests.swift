import Foundation
@testable import SculptProfiles
import SculptTestSupport
import Testing

/// The reference profiles committed in device-profiles/ import cleanly and cover their specs,
/// and one of them was measured with the current kernels.
@Suite struct DeviceProfilesTests {
    static let profiles = (try? FileManager.default.contentsOfDirectory(atPath: Repository.path("device-profiles").path))?
        .filter { $0.hasSuffix(".jsonl") }.sorted() ?? []

    static let specs: [KernelSpec] = {
        let url = Repository.path("device-profiles/specs-reference.json")
        return (try? JSONDecoder().decode(KernelSpecBatch.self, from: Data(contentsOf: url)).specs) ?? []
    }()

    /// A committed profile imported into a fresh store: the import's summary and every entry.
    static func imported(_ file: String) throws -> (ProfileExport.Summary, [ProfileEntry]) {
        let text = try String(contentsOf: Repository.path("device-profiles/" + file), encoding: .utf8)
        return try withTemporaryDirectory { directory in
            let store = try ProfileStore(path: directory.file("profiles.sqlite").path)
            return (try ProfileExport.importLines(text, into: store), try store.query(ProfileQuery()))
        }
    }

    /// Every profile covers `specs-reference.json` under the kernel version it was measured with.
    @Test(arguments: profiles)
    func aCommittedProfileImportsAndCoversTheReferenceSpecs(file: String) throws {
        #expect(!Self.specs.isEmpty)
        let (summary, entries) = try Self.imported(file)
        #expect(summary == .init(devices: 1, measurements: Self.specs.count, duplicates: 0))
        let version = try #require(entries.first?.kernelVersion)
        #expect(entries.allSatisfy { $0.kernelVersion == version })
        #expect(Set(entries.map(\.workload)) == Set(Self.specs.map { $0.workloadHash(kernelVersion: version) }))
        #expect(entries.allSatisfy { $0.measurementProtocol == MeasurementProtocol() && $0.statistics.samplesMilliseconds.count == 15 })
        // Every measurement ran pinned, one CPU per thread.
        #expect(entries.allSatisfy { $0.conditions.cpus.count == $0.spec.threads })
    }

    /// Raising `KernelVersion.current` comes with a profile measured with the new kernels.
    @Test func aProfileOfTheCurrentKernelsIsCommitted() throws {
        let versions = try Self.profiles.map { try Self.imported($0).1.first?.kernelVersion }
        #expect(versions.contains(KernelVersion.current), "device-profiles/ has kernel versions \(versions), not \(KernelVersion.current)")
    }
}
