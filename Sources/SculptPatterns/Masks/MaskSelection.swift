import SculptKernels

/// Chooses the weights a pattern keeps, from the weights themselves: the pattern that keeps the
/// most L2 energy per kernel or group, kernels removed by smallest energy, the largest N of M.
public enum MaskSelection {
    /// The mask of `layer` under `pattern`, for its weight values `weight` (the initializer's order).
    public static func select(_ layer: PrunableLayer, weight: [Float], pattern: PatternConfig) throws(PatternError) -> LayerMask {
        try layer.check(pattern)
        var mask = LayerMask(layer: layer.name, weight: layer.weight, bias: layer.bias, pattern: pattern,
                             keep: [Bool](repeating: true, count: weight.count))
        if case .convolution = layer.kind { mask.kernel = pattern.sparseKernel?.name }
        switch (pattern.family, layer.kind) {
        case (.dense, _): break
        case (.kernel, .convolution(let s)), (.grouped, .convolution(let s)):
            mask.keep = kernelPatterns(weight, s, keep: pattern.keep, group: pattern.family == .grouped ? pattern.group : 1,
                                       connectivity: pattern.connectivity)
        case (.connectivity, .convolution(let s)):
            mask.keep = kernelPatterns(weight, s, keep: s.kernelHeight * s.kernelWidth, group: pattern.group, connectivity: pattern.connectivity)
        case (.connectivity, .linear(let inFeatures, let outFeatures, let inputMajor)):
            // A linear layer is a 1x1 convolution on one pixel: its kernels are single weights.
            let shape = ConvolutionShape(inChannels: inFeatures, outChannels: outFeatures, height: 1, width: 1, kernel: 1)
            let rowMajor = inputMajor ? transposed(weight, rows: inFeatures, columns: outFeatures) : weight
            let keep = kernelPatterns(rowMajor, shape, keep: 1, group: pattern.group, connectivity: pattern.connectivity)
            mask.keep = inputMajor ? transposed(keep, rows: outFeatures, columns: inFeatures) : keep
        case (.nm, .convolution(let s)):
            mask.keep = nOfM(weight, rows: s.outChannels, length: s.inChannels, inputMajor: false, n: pattern.n, m: pattern.m)
        case (.nm, .linear(let inFeatures, let outFeatures, let inputMajor)):
            mask.keep = nOfM(weight, rows: outFeatures, length: inFeatures, inputMajor: inputMajor, n: pattern.n, m: pattern.m)
        case (.shape, _), (.channels, _):
            throw PatternError.notApplicable(layer: layer.name, reason: "\(pattern.family.rawValue) masks are chosen by ModelMasks, which sees the whole model")
        default:
            throw PatternError.notApplicable(layer: layer.name, reason: "\(pattern.family.rawValue) patterns do not apply")
        }
        return mask
    }

    /// Kernel patterns of `keep` taps shared by groups of `group` filters (all taps when `keep` is the
    /// kernel size), then the `connectivity` share of (group, input channel) units with the least energy removed.
    static func kernelPatterns(_ w: [Float], _ s: ConvolutionShape, keep: Int, group: Int, connectivity: Double) -> [Bool] {
        let taps = s.kernelHeight * s.kernelWidth, inputs = s.inChannelsPerGroup
        let blocks = (s.outChannels + group - 1) / group
        // Energy per (block, input channel, tap).
        var energies = [Float](repeating: 0, count: blocks * inputs * taps)
        for f in 0..<s.outChannels {
            for c in 0..<inputs {
                for t in 0..<taps {
                    let v = w[(f * inputs + c) * taps + t]
                    energies[((f / group) * inputs + c) * taps + t] += v * v
                }
            }
        }
        var unitPattern = [UInt16](repeating: UInt16((1 << taps) - 1), count: blocks * inputs)
        if keep < taps {
            let library = KernelPatterns.library(energies: energies, keep: keep)
            for unit in unitPattern.indices { unitPattern[unit] = KernelPatterns.best(library, energies[(unit * taps)..<(unit * taps + taps)]) }
        }
        // Connectivity: the units that keep the least energy go whole.
        let removed = Int((connectivity * Double(unitPattern.count)).rounded(.down))
        if removed > 0 {
            let kept = unitPattern.indices.map { unit in
                (0..<taps).reduce(Float(0)) { $0 + (unitPattern[unit] & (1 << $1) != 0 ? energies[unit * taps + $1] : 0) }
            }
            for unit in unitPattern.indices.sorted(by: { kept[$0] != kept[$1] ? kept[$0] < kept[$1] : $0 < $1 }).prefix(removed) {
                unitPattern[unit] = 0
            }
        }
        var keepMask = [Bool](repeating: false, count: w.count)
        for f in 0..<s.outChannels {
            for c in 0..<inputs {
                let pattern = unitPattern[(f / group) * inputs + c]
                for t in 0..<taps where pattern & (1 << t) != 0 { keepMask[(f * inputs + c) * taps + t] = true }
            }
        }
        return keepMask
    }

    /// `values` [rows × columns] as [columns × rows].
    static func transposed<T>(_ values: [T], rows: Int, columns: Int) -> [T] {
        (0..<(rows * columns)).map { values[($0 % rows) * columns + $0 / rows] }
    }

    /// The `n` largest magnitudes of every `m` consecutive weights along the input dimension of each row.
    static func nOfM(_ w: [Float], rows: Int, length: Int, inputMajor: Bool, n: Int, m: Int) -> [Bool] {
        var keep = [Bool](repeating: false, count: w.count)
        func index(_ row: Int, _ i: Int) -> Int { inputMajor ? i * rows + row : row * length + i }
        for row in 0..<rows {
            for start in stride(from: 0, to: length, by: m) {
                let chunk = start..<min(length, start + m)
                let ranked = chunk.sorted { abs(w[index(row, $0)]) != abs(w[index(row, $1)]) ? abs(w[index(row, $0)]) > abs(w[index(row, $1)]) : $0 < $1 }
                for i in ranked.prefix(n) { keep[index(row, i)] = true }
            }
        }
        return keep
    }
}
