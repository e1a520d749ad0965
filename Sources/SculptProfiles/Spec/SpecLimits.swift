import Foundation
import SculptKernels

/// Bounds on what one spec may ask for, so that a request cannot exhaust a board's memory or
/// keep its measurement worker busy for hours.
public struct SpecLimits: Codable, Sendable, Equatable {
    public var maxChannels = 8192
    public var maxSpatial = 2048
    public var maxBatch = 64
    public var maxKernel = 11
    public var maxStride = 8
    /// Threads may not exceed the CPUs the process may use (a service's CPUAffinity narrows
    /// them): each thread is pinned to a CPU of its own.
    public var maxThreads = max(1, Affinity.allowedCPUs().count)
    /// Input, weights and output together, in floats (1 GiB).
    public var maxFloats = 1 << 28
    /// Multiply-accumulates of one run (a ResNet-50 is 4.1 G).
    public var maxMACs = 20_000_000_000

    public init() {}

    enum CodingKeys: String, CodingKey {
        case maxChannels = "max_channels", maxSpatial = "max_spatial", maxBatch = "max_batch"
        case maxKernel = "max_kernel", maxStride = "max_stride", maxThreads = "max_threads"
        case maxFloats = "max_floats", maxMACs = "max_macs"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = SpecLimits()
        maxChannels = try c.decodeIfPresent(Int.self, forKey: .maxChannels) ?? d.maxChannels
        maxSpatial = try c.decodeIfPresent(Int.self, forKey: .maxSpatial) ?? d.maxSpatial
        maxBatch = try c.decodeIfPresent(Int.self, forKey: .maxBatch) ?? d.maxBatch
        maxKernel = try c.decodeIfPresent(Int.self, forKey: .maxKernel) ?? d.maxKernel
        maxStride = try c.decodeIfPresent(Int.self, forKey: .maxStride) ?? d.maxStride
        maxThreads = try c.decodeIfPresent(Int.self, forKey: .maxThreads) ?? d.maxThreads
        maxFloats = try c.decodeIfPresent(Int.self, forKey: .maxFloats) ?? d.maxFloats
        maxMACs = try c.decodeIfPresent(Int.self, forKey: .maxMACs) ?? d.maxMACs
    }

    /// Throws `SpecError.invalid` naming the first field out of bounds.
    public func validate(_ spec: KernelSpec) throws(SpecError) {
        func check(_ ok: Bool, _ reason: @autoclosure () -> String) throws(SpecError) {
            if !ok { throw SpecError.invalid(reason()) }
        }
        try check((1...maxChannels).contains(spec.inChannels), "in_channels must be 1...\(maxChannels), not \(spec.inChannels)")
        try check((1...maxChannels).contains(spec.outChannels), "out_channels must be 1...\(maxChannels), not \(spec.outChannels)")
        try check((1...maxSpatial).contains(spec.height), "height must be 1...\(maxSpatial), not \(spec.height)")
        try check((1...maxSpatial).contains(spec.width), "width must be 1...\(maxSpatial), not \(spec.width)")
        try check((1...maxBatch).contains(spec.batch), "batch must be 1...\(maxBatch), not \(spec.batch)")
        try check((1...maxThreads).contains(spec.threads), "threads must be 1...\(maxThreads) (the CPUs available), not \(spec.threads)")
        try check((1...maxKernel).contains(spec.kernel), "kernel must be 1...\(maxKernel), not \(spec.kernel)")
        try check((1...maxStride).contains(spec.stride), "stride must be 1...\(maxStride), not \(spec.stride)")
        try check(spec.groups >= 1, "groups must be at least 1, not \(spec.groups)")
        try check(spec.inChannels % spec.groups == 0 && spec.outChannels % spec.groups == 0,
                  "groups (\(spec.groups)) must divide in_channels (\(spec.inChannels)) and out_channels (\(spec.outChannels))")
        do { try spec.pattern.validate() } catch { throw SpecError.invalid(error.description) }
        switch spec.op {
        case .conv2d:
            try check(spec.kernel <= spec.height + 2 * (spec.kernel / 2) && spec.kernel <= spec.width + 2 * (spec.kernel / 2),
                      "a \(spec.kernel)x\(spec.kernel) kernel does not fit a \(spec.height)x\(spec.width) input")
        case .linear:
            try check(spec.kernel == 1 && spec.stride == 1 && spec.groups == 1 && spec.height == 1 && spec.width == 1
                        && spec.inputLayout == .blocked,
                      "linear takes no kernel, stride, groups, height, width (rows are `batch`) or input_layout")
        case .reorder:
            try check(spec.outChannels == spec.inChannels && spec.kernel == 1 && spec.stride == 1 && spec.groups == 1,
                      "reorder keeps the channels (out_channels = in_channels) and takes no kernel, stride or groups")
        }
        let outPlane = ((spec.height - 1) / spec.stride + 1) * ((spec.width - 1) / spec.stride + 1)
        // A reorder copies its input: no weights, no multiply-accumulates.
        let weights = spec.op == .reorder ? 0 : spec.outChannels * (spec.inChannels / spec.groups) * spec.kernel * spec.kernel
        let floats = spec.batch * (spec.inChannels * spec.height * spec.width + spec.outChannels * outPlane) + weights
        try check(floats <= maxFloats, "input, weights and output need \(floats) floats, more than the limit of \(maxFloats)")
        let macs = spec.op == .reorder ? 0 : spec.batch * spec.outChannels * outPlane * (spec.inChannels / spec.groups) * spec.kernel * spec.kernel
        try check(macs <= maxMACs, "\(macs) multiply-accumulates per run, more than the limit of \(maxMACs)")
    }
}
