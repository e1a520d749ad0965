import Foundation
import SculptPatterns
import Testing

@Suite struct PatternConfigTests {
    @Test func decodesTheContractsExampleAndFillsDefaults() throws {
        let json = #"{"schemaVersion": 1, "default": {"family": "grouped", "keep": 4, "group": 4, "connectivity": 0.0}, "layers": {"/conv1/Conv": {"family": "dense"}, "/fc": {"family": "nm"}}}"#
        let config = try JSONDecoder().decode(PruningConfig.self, from: Data(json.utf8))
        #expect(config.default == PatternConfig(family: .grouped, keep: 4, group: 4, connectivity: 0))
        #expect(config.pattern(for: "/conv1/Conv") == .dense)
        #expect(config.pattern(for: "/fc") == PatternConfig(family: .nm, n: 2, m: 4))
        #expect(config.pattern(for: "/other") == config.default)
    }

    @Test func encodesOnlyTheKeysAFamilyUses() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let text = String(decoding: try encoder.encode(PatternConfig(family: .nm, n: 1, m: 4)), as: UTF8.self)
        #expect(text == #"{"family":"nm","m":4,"n":1}"#)
        // Every key a family uses round-trips: a connectivity config that lost its group read back
        // as groups of 4, and `sculpt apply` made other masks than the search's groups of 16.
        for pattern in [PatternConfig(family: .grouped, keep: 3, group: 8, connectivity: 0.5),
                        PatternConfig(family: .connectivity, group: 16, connectivity: 0.25)] {
            #expect(try JSONDecoder().decode(PatternConfig.self, from: try encoder.encode(pattern)) == pattern)
        }
    }

    @Test func rejectsOutOfRangeParametersNamingThem() {
        #expect(throws: PatternError.invalidConfig("kernel: keep must be 1...9 taps of a 3x3 kernel, not 10")) {
            try PatternConfig(family: .kernel, keep: 10).validate()
        }
        #expect(throws: PatternError.self) { try PatternConfig(family: .nm, n: 4, m: 4).validate() }
        #expect(throws: PatternError.self) { try PatternConfig(family: .channels, rate: 1).validate() }
        #expect((try? PatternConfig(family: .grouped, keep: 4, group: 4, connectivity: 0.5).validate()) != nil)
    }

    @Test func densityIsTheShareOfWeightsKept() {
        #expect(PatternConfig(family: .grouped, keep: 4, connectivity: 0.5).density == 4.0 / 9 * 0.5)
        #expect(PatternConfig(family: .nm, n: 2, m: 8).density == 0.25)
        #expect(PatternConfig.dense.density == 1)
    }
}
