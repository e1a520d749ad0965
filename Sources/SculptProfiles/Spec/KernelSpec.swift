import Foundation
import SculptKernels
import SculptPatterns

/// One layer shape and pattern configuration to measure: the kernel spec of DESIGN.md.
///
/// `{"op": "conv2d", "in_channels": 64, "out_channels": 64, "height": 56, "width": 56, "kernel": 3,
/// "stride": 1, "groups": 1, "pattern": {"family": "dense"}, "threads": 1}`. `op`, `in_channels`
/// and `out_channels` are required; the others default to `kernel` 1, `stride` 1, `groups` 1,
/// dense, 1 thread, `batch` 1, and `height`/`width` 1. For `linear`, `in_channels` and
/// `out_channels` are the features and `batch` the rows. A convolution's `input_layout` is the
/// layout its input arrives in: `blocked` (the default: the output of another convolution) or
/// `planar` (the network's input), which the runtime reads with another kernel variant. A
/// `reorder` converts a tensor of `in_channels` (= `out_channels`) channels of `height` × `width`
/// arriving in `input_layout` into the other layout, as the runtime does where layers that write
/// different layouts meet.
public struct KernelSpec: Codable, Hashable, Sendable {
    public enum Operation: String, Codable, Sendable, CaseIterable {
        case conv2d, linear, reorder
    }

    public var op: Operation
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int
    public var kernel: Int
    public var stride: Int
    public var groups: Int
    public var pattern: PatternConfig
    public var threads: Int
    public var batch: Int
    public var inputLayout: TensorLayout

    public init(op: Operation = .conv2d, inChannels: Int, outChannels: Int, height: Int = 1, width: Int = 1,
                kernel: Int = 1, stride: Int = 1, groups: Int = 1, pattern: PatternConfig = .dense,
                threads: Int = 1, batch: Int = 1, inputLayout: TensorLayout = .blocked) {
        self.op = op
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.kernel = kernel
        self.stride = stride
        self.groups = groups
        self.pattern = pattern
        self.threads = threads
        self.batch = batch
        self.inputLayout = inputLayout
    }

    enum CodingKeys: String, CodingKey {
        case op, height, width, kernel, stride, groups, pattern, threads, batch
        case inChannels = "in_channels", outChannels = "out_channels", inputLayout = "input_layout"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(op: try c.decode(Operation.self, forKey: .op),
                  inChannels: try c.decode(Int.self, forKey: .inChannels),
                  outChannels: try c.decode(Int.self, forKey: .outChannels),
                  height: try c.decodeIfPresent(Int.self, forKey: .height) ?? 1,
                  width: try c.decodeIfPresent(Int.self, forKey: .width) ?? 1,
                  kernel: try c.decodeIfPresent(Int.self, forKey: .kernel) ?? 1,
                  stride: try c.decodeIfPresent(Int.self, forKey: .stride) ?? 1,
                  groups: try c.decodeIfPresent(Int.self, forKey: .groups) ?? 1,
                  pattern: try c.decodeIfPresent(PatternConfig.self, forKey: .pattern) ?? .dense,
                  threads: try c.decodeIfPresent(Int.self, forKey: .threads) ?? 1,
                  batch: try c.decodeIfPresent(Int.self, forKey: .batch) ?? 1,
                  inputLayout: try c.decodeIfPresent(TensorLayout.self, forKey: .inputLayout) ?? .blocked)
    }

    /// `input_layout` is written only when planar, so that the specs from before it keep their hashes.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(op, forKey: .op)
        try c.encode(inChannels, forKey: .inChannels)
        try c.encode(outChannels, forKey: .outChannels)
        try c.encode(height, forKey: .height)
        try c.encode(width, forKey: .width)
        try c.encode(kernel, forKey: .kernel)
        try c.encode(stride, forKey: .stride)
        try c.encode(groups, forKey: .groups)
        try c.encode(pattern, forKey: .pattern)
        try c.encode(threads, forKey: .threads)
        try c.encode(batch, forKey: .batch)
        if inputLayout == .planar { try c.encode(inputLayout, forKey: .inputLayout) }
    }

    /// Every key, sorted, defaults written out (`input_layout` only when planar): equal specs give equal bytes.
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain integers, strings and finite doubles cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }

    /// The workload key: the canonical spec and the kernel version it is measured with.
    public var workloadHash: String { workloadHash(kernelVersion: KernelVersion.current) }

    /// The workload key this spec had, or will have, under another version of the kernels.
    public func workloadHash(kernelVersion: String) -> String { SHA256.hex(canonicalJSON + "\n" + kernelVersion) }

    /// The geometry of a `conv2d` spec: "same" padding (`kernel / 2`).
    public var convolutionShape: ConvolutionShape {
        ConvolutionShape(batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width,
                         kernel: kernel, stride: stride, groups: groups)
    }

    /// A short human-readable form for tables and logs.
    public var summary: String {
        switch op {
        case .conv2d:
            "conv2d \(inChannels)→\(outChannels)@\(height)x\(width) k\(kernel) s\(stride)" + (groups > 1 ? " g\(groups)" : "")
                + (batch > 1 ? " n\(batch)" : "") + (inputLayout == .planar ? " planar-in" : "") + " \(pattern) t\(threads)"
        case .linear:
            "linear \(inChannels)→\(outChannels) rows \(batch) \(pattern) t\(threads)"
        case .reorder:
            "reorder \(inChannels)@\(height)x\(width)" + (batch > 1 ? " n\(batch)" : "")
                + (inputLayout == .planar ? " planar→blocked" : " blocked→planar") + " t\(threads)"
        }
    }
}

/// The body of `POST /v1/measure` and the file `sculpt measure` reads.
public struct KernelSpecBatch: Codable, Sendable {
    public var specs: [KernelSpec]
    /// Measure every spec now, stored or not, and store none of these measurements: how fast the
    /// kernels run at this moment, to set beside other measurements made now (absent: false).
    public var fresh: Bool?

    public init(specs: [KernelSpec], fresh: Bool = false) {
        self.specs = specs
        self.fresh = fresh ? true : nil
    }
}
