import Foundation
import SculptPatterns
@testable import SculptProfiles
import Testing

/// Kernel specs: the contract's JSON, canonical hashes, bounds with reasons.
@Suite struct SpecTests {
    @Test func theContractExampleDecodesAndDefaultsFillIn() throws {
        let json = #"""
            {"op": "conv2d", "in_channels": 64, "out_channels": 64, "height": 56, "width": 56,
             "kernel": 3, "stride": 1, "groups": 1,
             "pattern": {"family": "grouped", "keep": 4, "group": 4, "connectivity": 0.5}, "threads": 1}
            """#
        let spec = try JSONDecoder().decode(KernelSpec.self, from: Data(json.utf8))
        #expect(spec.inChannels == 64 && spec.kernel == 3 && spec.batch == 1)
        #expect(spec.pattern == PatternConfig(family: .grouped, keep: 4, group: 4, connectivity: 0.5))
        let minimal = try JSONDecoder().decode(KernelSpec.self, from: Data(#"{"op": "linear", "in_channels": 8, "out_channels": 4}"#.utf8))
        #expect(minimal == KernelSpec(op: .linear, inChannels: 8, outChannels: 4))
    }

    @Test func workloadHashesDependOnEveryFieldButNotOnKeyOrder() throws {
        let a = try JSONDecoder().decode(KernelSpec.self, from: Data(#"{"op": "conv2d", "in_channels": 8, "out_channels": 8, "kernel": 3}"#.utf8))
        let b = try JSONDecoder().decode(KernelSpec.self, from: Data(#"{"kernel": 3, "out_channels": 8, "in_channels": 8, "op": "conv2d", "threads": 1}"#.utf8))
        #expect(a.workloadHash == b.workloadHash)
        var c = a
        c.threads = 2
        #expect(c.workloadHash != a.workloadHash)
        #expect(a.workloadHash.count == 64)
    }

    /// `input_layout` is written only when planar: specs without it keep the hashes they had.
    @Test func theInputLayoutIsPartOfTheHashOnlyWhenPlanar() throws {
        func decode(_ json: String) throws -> KernelSpec { try JSONDecoder().decode(KernelSpec.self, from: Data(json.utf8)) }
        let plain = try decode(#"{"op": "conv2d", "in_channels": 3, "out_channels": 16, "kernel": 3}"#)
        let blocked = try decode(#"{"op": "conv2d", "in_channels": 3, "out_channels": 16, "kernel": 3, "input_layout": "blocked"}"#)
        let planar = try decode(#"{"op": "conv2d", "in_channels": 3, "out_channels": 16, "kernel": 3, "input_layout": "planar"}"#)
        #expect(blocked == plain && blocked.workloadHash == plain.workloadHash)
        #expect(!plain.canonicalJSON.contains("input_layout"))
        #expect(planar.inputLayout == .planar && planar.workloadHash != plain.workloadHash)
        #expect(try decode(planar.canonicalJSON) == planar)
        #expect(throws: DecodingError.self) {
            try decode(#"{"op": "conv2d", "in_channels": 3, "out_channels": 16, "input_layout": "nhwc"}"#)
        }
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(String(repeating: "a", count: 1000)) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test(arguments: [
        (KernelSpec(inChannels: 0, outChannels: 8), "in_channels must be"),
        (KernelSpec(inChannels: 8, outChannels: 8, height: 5000), "height must be"),
        (KernelSpec(inChannels: 8, outChannels: 8, threads: 10_000), "threads must be"),
        (KernelSpec(inChannels: 8, outChannels: 8, kernel: 13), "kernel must be"),
        (KernelSpec(inChannels: 8, outChannels: 6, groups: 4), "groups (4) must divide"),
        (KernelSpec(inChannels: 4096, outChannels: 4096, height: 1024, width: 1024, kernel: 3, batch: 16), "floats"),
        (KernelSpec(op: .linear, inChannels: 8, outChannels: 8, kernel: 3), "linear takes no kernel"),
        (KernelSpec(op: .linear, inChannels: 8, outChannels: 8, inputLayout: .planar), "or input_layout"),
        (KernelSpec(op: .reorder, inChannels: 16, outChannels: 8, height: 4, width: 4), "keeps the channels"),
        (KernelSpec(op: .reorder, inChannels: 16, outChannels: 16, kernel: 3), "takes no kernel"),
        (KernelSpec(inChannels: 8, outChannels: 8, pattern: PatternConfig(family: .nm, n: 4, m: 4)), "n < m"),
    ])
    func outOfBoundsSpecsAreRejectedWithAReason(spec: KernelSpec, reason: String) {
        #expect {
            try SpecLimits().validate(spec)
        } throws: { error in
            guard case .invalid(let text) = error as? SpecError else { return false }
            return text.contains(reason)
        }
    }

    /// A reorder is bounded by its tensors alone: 4096 channels of 64 × 64 would be 69 G
    /// multiply-accumulates as a 1×1 convolution, over the limit, and are 16 M floats to copy.
    @Test func aReorderIsBoundedByItsTensors() throws {
        try SpecLimits().validate(KernelSpec(op: .reorder, inChannels: 4096, outChannels: 4096, height: 64, width: 64))
        #expect(throws: SpecError.self) {
            try SpecLimits().validate(KernelSpec(op: .reorder, inChannels: 8192, outChannels: 8192, height: 2048, width: 2048))
        }
    }

    /// Convolutions take every family our kernels run, where it fits the kernel size; linear
    /// layers dense and connectivity; lowered families and N:M linear layers are not measurable as
    /// such; a reorder has no pattern.
    @Test func patternFamiliesMeasurableWhereAKernelRunsThem() throws {
        func spec(_ family: PatternConfig.Family, kernel: Int, op: KernelSpec.Operation = .conv2d) -> KernelSpec {
            KernelSpec(op: op, inChannels: 8, outChannels: 8, kernel: kernel, pattern: PatternConfig(family: family))
        }
        for family: PatternConfig.Family in [.dense, .kernel, .grouped, .connectivity] {
            #expect(throws: Never.self) { try WorkloadBuilder.check(spec(family, kernel: 3)) }
        }
        #expect(throws: Never.self) { try WorkloadBuilder.check(spec(.nm, kernel: 1)) }
        #expect(throws: SpecError.invalid("layer 'spec': nm patterns do not apply to a 3x3 convolution with 1 group(s)")) {
            try WorkloadBuilder.check(spec(.nm, kernel: 3))
        }
        for family: PatternConfig.Family in [.shape, .channels] {
            #expect { try WorkloadBuilder.check(spec(family, kernel: 3)) } throws: { error in
                guard case .notMeasurable(let reason) = error as? SpecError else { return false }
                return reason.contains("lowered")
            }
        }
        #expect(throws: Never.self) { try WorkloadBuilder.check(spec(.connectivity, kernel: 1, op: .linear)) }
        #expect { try WorkloadBuilder.check(spec(.nm, kernel: 1, op: .linear)) } throws: { error in
            guard case .notMeasurable = error as? SpecError else { return false }
            return true
        }
        #expect(throws: Never.self) { try WorkloadBuilder.check(spec(.dense, kernel: 1, op: .reorder)) }
        #expect(throws: SpecError.invalid("a reorder has no pattern: it copies every value")) {
            try WorkloadBuilder.check(spec(.grouped, kernel: 1, op: .reorder))
        }
    }
}
