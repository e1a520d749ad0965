import SculptGraph
import SculptKernels
import SculptPatterns
import SculptTestSupport
import Testing

/// Masks have the structure their family promises, on a real layer shape.
@Suite struct MaskSelectionTests {
    static let shape = ConvolutionShape(inChannels: 24, outChannels: 18, height: 8, width: 8, kernel: 3)
    static let layer = PrunableLayer(name: "conv", opType: "Conv", weight: "w", bias: nil, kind: .convolution(shape),
                                     macs: shape.macs, couplingGroup: nil)
    static let weight = seededFloats(shape.weightCount, seed: 7)

    /// The kept taps of (filter, channel) as a 9-bit pattern.
    static func pattern(_ keep: [Bool], filter: Int, channel: Int) -> Int {
        (0..<9).reduce(0) { $0 | (keep[(filter * shape.inChannels + channel) * 9 + $1] ? 1 << $1 : 0) }
    }

    @Test(arguments: [1, 4, 8])
    func groupedPatternsAreSharedWithinGroupsAndComeFromALibraryOfEight(group: Int) throws {
        let pattern = PatternConfig(family: group == 1 ? .kernel : .grouped, keep: 4, group: group)
        let mask = try MaskSelection.select(Self.layer, weight: Self.weight, pattern: pattern)
        var library = Set<Int>()
        for f in 0..<Self.shape.outChannels {
            for c in 0..<Self.shape.inChannels {
                let p = Self.pattern(mask.keep, filter: f, channel: c)
                #expect(p.nonzeroBitCount == 4 && p & (1 << 4) != 0, "4 taps with the center")
                #expect(p == Self.pattern(mask.keep, filter: f / group * group, channel: c), "one pattern per group")
                library.insert(p)
            }
        }
        #expect(library.count <= KernelPatterns.librarySize)
        #expect(abs(mask.density - 4.0 / 9) < 1e-9)
    }

    @Test func patternsKeepTheMostEnergyTheLibraryAllows() throws {
        let mask = try MaskSelection.select(Self.layer, weight: Self.weight, pattern: PatternConfig(family: .kernel, keep: 4))
        var library = Set<Int>()
        for f in 0..<18 { for c in 0..<24 { library.insert(Self.pattern(mask.keep, filter: f, channel: c)) } }
        for f in 0..<18 {
            for c in 0..<24 {
                let energy = { (p: Int) in (0..<9).reduce(Float(0)) { $0 + (p & (1 << $1) != 0 ? pow2(Self.weight[(f * 24 + c) * 9 + $1]) : 0) } }
                let chosen = energy(Self.pattern(mask.keep, filter: f, channel: c))
                #expect(library.allSatisfy { energy($0) <= chosen })
            }
        }
    }

    @Test func connectivityRemovesTheWeakestKernelsOfEachGroup() throws {
        let mask = try MaskSelection.select(Self.layer, weight: Self.weight,
                                            pattern: PatternConfig(family: .grouped, keep: 4, group: 4, connectivity: 0.5))
        // 18 filters in groups of 4 → 5 groups × 24 channels = 120 units, half of them removed.
        var removed = 0
        for g in 0..<5 { for c in 0..<24 where Self.pattern(mask.keep, filter: g * 4, channel: c) == 0 { removed += 1 } }
        #expect(removed == 60)
        let connectivity = try MaskSelection.select(Self.layer, weight: Self.weight, pattern: PatternConfig(family: .connectivity, group: 1, connectivity: 0.25))
        let kernels = (0..<18).flatMap { f in (0..<24).map { Self.pattern(connectivity.keep, filter: f, channel: $0) } }
        #expect(kernels.filter { $0 == 0 }.count == 108 && kernels.allSatisfy { $0 == 0 || $0 == 511 })
    }

    @Test func nOfMKeepsTheLargestAlongInputs() throws {
        let s = ConvolutionShape(inChannels: 10, outChannels: 6, height: 4, width: 4, kernel: 1)
        let layer = PrunableLayer(name: "pw", opType: "Conv", weight: "w", bias: nil, kind: .convolution(s), macs: s.macs, couplingGroup: nil)
        let weight = seededFloats(s.weightCount, seed: 3)
        let mask = try MaskSelection.select(layer, weight: weight, pattern: PatternConfig(family: .nm, n: 2, m: 4))
        for f in 0..<6 {
            for start in stride(from: 0, to: 10, by: 4) {
                let chunk = start..<min(10, start + 4)
                let kept = chunk.filter { mask.keep[f * 10 + $0] }
                #expect(kept.count == 2)
                let smallestKept = kept.map { abs(weight[f * 10 + $0]) }.min()!
                #expect(chunk.filter { !mask.keep[f * 10 + $0] }.allSatisfy { abs(weight[f * 10 + $0]) <= smallestKept })
            }
        }
        // Linear weights stored [in][out] are grouped along their first dimension.
        let linear = PrunableLayer(name: "fc", opType: "MatMul", weight: "w", bias: nil,
                                   kind: .linear(inFeatures: 8, outFeatures: 3, inputMajor: true), macs: 24, couplingGroup: nil)
        let linearMask = try MaskSelection.select(linear, weight: seededFloats(24, seed: 4), pattern: PatternConfig(family: .nm, n: 1, m: 4))
        for out in 0..<3 { #expect((0..<8).filter { linearMask.keep[$0 * 3 + out] }.count == 2) }
    }

    /// A linear layer's inputs are removed per block of output features, the weakest first, in
    /// either weight layout ([out][in] for Gemm with transB, [in][out] otherwise).
    @Test(arguments: [false, true])
    func linearConnectivityRemovesTheWeakestInputsOfEachBlock(inputMajor: Bool) throws {
        let (inputs, outputs) = (40, 20)
        let layer = PrunableLayer(name: "fc", opType: "Gemm", weight: "w", bias: nil,
                                  kind: .linear(inFeatures: inputs, outFeatures: outputs, inputMajor: inputMajor),
                                  macs: inputs * outputs, couplingGroup: nil)
        let weight = seededFloats(inputs * outputs, seed: 5)
        func index(_ o: Int, _ i: Int) -> Int { inputMajor ? i * outputs + o : o * inputs + i }
        let keep = try MaskSelection.select(layer, weight: weight, pattern: PatternConfig(family: .connectivity, group: 16, connectivity: 0.5)).keep
        // Blocks of outputs 0..<16 and 16..<20: 80 (block, input) units, 40 of them removed.
        let blocks = [0..<16, 16..<20]
        var removed = [(block: Int, input: Int, energy: Float)](), kept = [Float]()
        for (b, block) in blocks.enumerated() {
            for i in 0..<inputs {
                let flags = block.map { keep[index($0, i)] }
                #expect(flags.allSatisfy { $0 == flags[0] }, "block \(b) input \(i) kept by some outputs only")
                let energy = block.reduce(Float(0)) { $0 + pow2(weight[index($1, i)]) }
                if flags[0] { kept.append(energy) } else { removed.append((b, i, energy)) }
            }
        }
        #expect(removed.count == 40)
        #expect(removed.map(\.energy).max()! <= kept.min()!)
    }

    @Test func familiesThatDoNotFitALayerAreRefusedByName() {
        #expect(throws: PatternError.notApplicable(layer: "conv", reason: "nm patterns do not apply to a 3x3 convolution with 1 group(s)")) {
            try MaskSelection.select(Self.layer, weight: Self.weight, pattern: PatternConfig(family: .nm))
        }
    }
}

private func pow2(_ x: Float) -> Float { x * x }
