import Foundation
import SculptGraph
import SculptTestSupport
import Testing

/// Random bytes, truncations and corruptions of real models: the importer and the analyses
/// `sculpt inspect` runs either succeed or throw `GraphError` — they never crash.
@Suite(.timeLimit(.minutes(5))) struct ImportFuzzTests {
    static let seeds: [String] = ["examples/mnist/model.onnx", "Tests/Fixtures/models/vit_tiny_op17_ts.onnx",
                                  "Tests/Fixtures/models/mobilenet_v3_small_op17_ts.onnx"]

    /// Imports, shapes and costs `bytes`; any error other than `GraphError` fails the test.
    static func survive(_ bytes: Data) {
        do {
            let model = try Model(serializedData: bytes)
            let shaped = try model.specialized()
            _ = shaped.costs()
            _ = shaped.couplingGroups()
        } catch is GraphError {
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }

    @Test func randomBytes() {
        var generator = SplitMix(seed: 1)
        for _ in 0..<2000 {
            let count = Int(generator.next() % 512)
            Self.survive(Data((0..<count).map { _ in UInt8(truncatingIfNeeded: generator.next()) }))
        }
    }

    @Test(arguments: seeds)
    func truncationsAndCorruptions(_ path: String) throws {
        let original = try Data(contentsOf: Repository.path(path))
        var generator = SplitMix(seed: 2)
        for _ in 0..<300 {
            Self.survive(original.prefix(Int(generator.next() % UInt64(original.count))))
        }
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + generator.next() % 8) {
                let at = Int(generator.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: generator.next())
            }
            Self.survive(bytes)
        }
    }
}

/// A small seeded generator for reproducible fuzzing.
struct SplitMix {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
