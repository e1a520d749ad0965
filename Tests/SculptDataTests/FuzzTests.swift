import Foundation
import SculptData
import SculptTestSupport
import Testing

/// Random corruptions of valid files: the readers return or throw a `DataError`, and never crash or hang.
@Suite(.timeLimit(.minutes(2)))
struct FuzzTests {
    static let iterations = 1000

    @Test(arguments: ["float32-le.npy", "fortran-2d-be.npy", "version-3.npy"])
    func npyReaderOnlyThrows(_ fixture: String) throws {
        let base = try [UInt8](Data(contentsOf: NumPyFixtures.url(fixture)))
        try fuzz(base, seed: 1, name: "fuzz.npy") { _ = try NumPy.readArray(contentsOf: $0) }
    }

    @Test(arguments: ["plain.npz", "compressed.npz", "calib.npz"])
    func npzReadersOnlyThrow(_ fixture: String) throws {
        let base = try [UInt8](Data(contentsOf: NumPyFixtures.url(fixture)))
        try fuzz(base, seed: 2, name: "fuzz.npz") {
            _ = try NumPy.readArchive(contentsOf: $0)
            _ = try LabelledData(contentsOf: $0)
        }
    }

    /// Archives as ZIPFoundation writes them, whose layout differs from Python's.
    @Test(arguments: [false, true])
    func ownArchivesOnlyThrow(compressed: Bool) throws {
        let bytes = try withTemporaryDirectory { directory in
            let url = directory.file("own.npz")
            try NumPy.writeArchive(dtypeCases.map { ($0.name, $0.array) }, to: url, compressed: compressed)
            return try [UInt8](Data(contentsOf: url))
        }
        try fuzz(bytes, seed: compressed ? 3 : 4, name: "fuzz.npz") { _ = try NumPy.readArchive(contentsOf: $0) }
    }

    /// Headers assembled from the tokens of Python literals, to reach deep into the header parser.
    @Test func headerParserOnlyThrows() throws {
        let tokens = ["{", "}", "(", ")", "[", "]", ",", ":", " ", "\n", "'descr'", "'fortran_order'", "'shape'",
                      "'<f4'", "'>i2'", "'|O'", "'|b1'", "True", "False", "None", "0", "3", "-1", "L",
                      "99999999999999999999", "'", "\"", "\\", "x"]
        var generator = SplitMix64(seed: 5)
        var outcomes = [false: 0, true: 0]
        try withTemporaryDirectory { directory in
            for _ in 0..<Self.iterations * 2 {
                let header = (0..<Int.random(in: 0...40, using: &generator))
                    .map { _ in tokens.randomElement(using: &generator) ?? "" }.joined()
                let payload = generator.bytes(count: Int.random(in: 0...24, using: &generator))
                let url = try directory.write(npyBytes(header: header, payload: payload), to: "header.npy")
                outcomes[try readsOrThrowsDataError { _ = try NumPy.readArray(contentsOf: url) }, default: 0] += 1
            }
        }
        #expect(outcomes[false, default: 0] > 0)
    }

    /// Reads `iterations` mutations of `base`: truncations, flipped bytes, overwritten ranges and random bytes.
    private func fuzz(_ base: [UInt8], seed: UInt64, name: String, read: (URL) throws -> Void) throws {
        var generator = SplitMix64(seed: seed)
        var failures = 0
        try withTemporaryDirectory { directory in
            for iteration in 0..<Self.iterations {
                var bytes = base
                switch iteration % 4 {
                case 0:
                    bytes.removeLast(Int.random(in: 1...bytes.count, using: &generator))
                case 1:
                    for _ in 0..<Int.random(in: 1...8, using: &generator) {
                        let index = Int.random(in: bytes.indices, using: &generator)
                        bytes[index] ^= UInt8.random(in: 1...255, using: &generator)
                    }
                case 2:
                    let start = Int.random(in: bytes.indices, using: &generator)
                    let end = min(bytes.count, start + Int.random(in: 1...16, using: &generator))
                    for index in start..<end { bytes[index] = UInt8.random(in: 0...255, using: &generator) }
                default:
                    // Random bytes behind the real first bytes, so the readers get past their magic checks.
                    let kept = Int.random(in: 0...min(64, bytes.count), using: &generator)
                    bytes = Array(bytes.prefix(kept)) + generator.bytes(count: Int.random(in: 0...(2 * base.count), using: &generator))
                }
                let url = try directory.write(bytes, to: name)
                if try !readsOrThrowsDataError({ try read(url) }) { failures += 1 }
            }
        }
        // Nearly every mutation must be caught; the few that are not touched only array values.
        #expect(failures > Self.iterations / 2)
    }

    /// True if `body` returns, false if it throws a `DataError`; any other error fails the test.
    private func readsOrThrowsDataError(_ body: () throws -> Void) throws -> Bool {
        do {
            try body()
            return true
        } catch is DataError {
            return false
        } catch {
            Issue.record("threw \(type(of: error)) instead of DataError: \(error)")
            return false
        }
    }
}

/// A small seeded generator (SplitMix64), so every run fuzzes the same inputs.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    mutating func bytes(count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &self) }
    }
}
