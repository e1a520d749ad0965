/// Kernel patterns (PatDNN): which taps of a 3x3 kernel survive.
///
/// A pattern keeps `keep` of the 9 taps and always the center, the tap that carries the most
/// weight in trained networks. Each layer uses a library of at most 8 patterns, the ones that
/// are the best fit for the most kernels (or groups of kernels) of that layer; every kernel then
/// takes the library pattern that keeps the most of its L2 energy.
public enum KernelPatterns {
    public static let librarySize = 8
    static let center = 4

    /// Every pattern of `keep` taps that contains the center, as 9-bit masks (bit t = tap t, row-major).
    public static func candidates(keep: Int) -> [UInt16] {
        (0..<UInt16(512)).filter { $0.nonzeroBitCount == keep && $0 & (1 << center) != 0 }
    }

    /// The library for units (a kernel, or a group's kernels of one input channel) with tap energies `energies` (9 per unit).
    public static func library(energies: [Float], keep: Int) -> [UInt16] {
        let candidates = Self.candidates(keep: keep)
        guard candidates.count > librarySize else { return candidates }
        var votes = [Int](repeating: 0, count: candidates.count), mass = [Float](repeating: 0, count: candidates.count)
        for unit in 0..<(energies.count / 9) {
            let e = energies[(unit * 9)..<(unit * 9 + 9)]
            let best = bestIndex(candidates, e)
            votes[best] += 1
            mass[best] += kept(candidates[best], e)
        }
        let ranked = candidates.indices.sorted { votes[$0] != votes[$1] ? votes[$0] > votes[$1] : mass[$0] != mass[$1] ? mass[$0] > mass[$1] : $0 < $1 }
        return ranked.prefix(librarySize).map { candidates[$0] }
    }

    /// The pattern of `library` that keeps the most of the energies `e` (9 taps).
    public static func best(_ library: [UInt16], _ e: ArraySlice<Float>) -> UInt16 { library[bestIndex(library, e)] }

    static func bestIndex(_ patterns: [UInt16], _ e: ArraySlice<Float>) -> Int {
        var best = 0, bestEnergy = -Float.infinity
        for (i, p) in patterns.enumerated() {
            let energy = kept(p, e)
            if energy > bestEnergy { best = i; bestEnergy = energy }
        }
        return best
    }

    /// Energy of the taps `pattern` keeps.
    static func kept(_ pattern: UInt16, _ e: ArraySlice<Float>) -> Float {
        var sum: Float = 0
        for t in 0..<9 where pattern & (1 << t) != 0 { sum += e[e.startIndex + t] }
        return sum
    }
}
