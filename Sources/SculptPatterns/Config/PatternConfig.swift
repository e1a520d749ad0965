/// One layer's pruning choice: a pattern family and its parameters.
///
/// The JSON form is the `default` and per-layer entries of a CONFIG and the `pattern` of a kernel
/// spec (DESIGN.md): `{"family": "grouped", "keep": 4, "group": 4, "connectivity": 0.5}`. Keys a
/// family does not use may be omitted; missing keys take the defaults below, and encoding writes
/// only the keys the family uses.
public struct PatternConfig: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Family: String, Codable, CaseIterable, Sendable {
        /// Unpruned.
        case dense
        /// PatDNN kernel patterns: each 3x3 kernel keeps `keep` taps, one of 8 patterns per kernel.
        case kernel
        /// One pattern per group of `group` output channels and input channel.
        case grouped
        /// Whole kernels removed (`connectivity` of them), no tap pattern.
        case connectivity
        /// AutoSculpt shape patterns: per filter a row/column mask; `rate` is the share of weights removed.
        case shape
        /// Whole output channels removed (`rate` of them), through coupling groups.
        case channels
        /// N of every M consecutive weights along the input channels kept.
        case nm
    }

    public var family: Family
    /// Taps kept of a 3x3 kernel's 9 (kernel, grouped).
    public var keep: Int
    /// Output channels that share one pattern (grouped).
    public var group: Int
    /// Share of kernels removed (connectivity; combines with kernel and grouped).
    public var connectivity: Double
    /// Share of weights (shape) or output channels (channels) removed.
    public var rate: Double
    /// Weights kept of every `m` (nm).
    public var n: Int
    public var m: Int

    public init(family: Family, keep: Int = 4, group: Int = 4, connectivity: Double = 0,
                rate: Double = 0.5, n: Int = 2, m: Int = 4) {
        self.family = family
        self.keep = keep
        self.group = group
        self.connectivity = connectivity
        self.rate = rate
        self.n = n
        self.m = m
    }

    public static let dense = PatternConfig(family: .dense)

    /// Throws when a parameter is out of range for the family, naming it.
    public func validate() throws(PatternError) {
        func check(_ ok: Bool, _ reason: String) throws(PatternError) {
            if !ok { throw PatternError.invalidConfig("\(family.rawValue): \(reason)") }
        }
        switch family {
        case .dense: break
        case .kernel, .grouped:
            try check((1...9).contains(keep), "keep must be 1...9 taps of a 3x3 kernel, not \(keep)")
            if family == .grouped { try check((1...512).contains(group), "group must be 1...512 output channels, not \(group)") }
            try check((0..<1).contains(connectivity), "connectivity must be in [0, 1), not \(connectivity)")
        case .connectivity:
            try check((0..<1).contains(connectivity), "connectivity must be in [0, 1), not \(connectivity)")
        case .shape, .channels:
            try check((0..<1).contains(rate), "rate must be in [0, 1), not \(rate)")
        case .nm:
            try check(m >= 2 && m <= 64 && n >= 1 && n < m, "need 1 <= n < m <= 64, not \(n):\(m)")
        }
    }

    /// Share of the layer's weights kept (and, for the families our kernels run, of its MACs).
    public var density: Double {
        switch family {
        case .dense: 1
        case .kernel, .grouped: Double(keep) / 9 * (1 - connectivity)
        case .connectivity: 1 - connectivity
        case .shape, .channels: 1 - rate
        case .nm: Double(n) / Double(m)
        }
    }

    public var description: String {
        switch family {
        case .dense: "dense"
        case .kernel: "kernel \(keep)/9" + (connectivity > 0 ? " conn \(connectivity)" : "")
        case .grouped: "grouped \(keep)/9 G=\(group)" + (connectivity > 0 ? " conn \(connectivity)" : "")
        case .connectivity: "connectivity \(connectivity)"
        case .shape: "shape \(rate)"
        case .channels: "channels \(rate)"
        case .nm: "\(n):\(m)"
        }
    }

    enum CodingKeys: String, CodingKey { case family, keep, group, connectivity, rate, n, m }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let defaults = PatternConfig(family: try c.decode(Family.self, forKey: .family))
        self = defaults
        keep = try c.decodeIfPresent(Int.self, forKey: .keep) ?? defaults.keep
        group = try c.decodeIfPresent(Int.self, forKey: .group) ?? defaults.group
        connectivity = try c.decodeIfPresent(Double.self, forKey: .connectivity) ?? defaults.connectivity
        rate = try c.decodeIfPresent(Double.self, forKey: .rate) ?? defaults.rate
        n = try c.decodeIfPresent(Int.self, forKey: .n) ?? defaults.n
        m = try c.decodeIfPresent(Int.self, forKey: .m) ?? defaults.m
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(family, forKey: .family)
        switch family {
        case .dense: break
        case .kernel, .grouped:
            try c.encode(keep, forKey: .keep)
            if family == .grouped { try c.encode(group, forKey: .group) }
            try c.encode(connectivity, forKey: .connectivity)
        case .connectivity:
            try c.encode(group, forKey: .group)
            try c.encode(connectivity, forKey: .connectivity)
        case .shape, .channels: try c.encode(rate, forKey: .rate)
        case .nm:
            try c.encode(n, forKey: .n)
            try c.encode(m, forKey: .m)
        }
    }
}

/// Why a pruning configuration or mask cannot be used.
public enum PatternError: Error, Equatable, CustomStringConvertible {
    case invalidConfig(String)
    case notApplicable(layer: String, reason: String)

    public var description: String {
        switch self {
        case .invalidConfig(let reason): "invalid pattern configuration: \(reason)"
        case .notApplicable(let layer, let reason): "layer '\(layer)': \(reason)"
        }
    }
}
