import SculptKernels
import SculptPatterns

/// A kernel prepared for one spec, with its buffers filled, ready to be run again and again.
public protocol Workload: AnyObject {
    /// The kernel that runs (as the kernel registry names it).
    var kernelName: String { get }
    /// One run of the kernel on its buffers.
    func run()
}

/// Turns kernel specs into workloads: random inputs and weights (seeded), the kernel the
/// runtime would choose for the shape.
public enum WorkloadBuilder {
    /// Seed of the inputs and weights; fixed, so that a spec always measures the same numbers.
    public static let seed: UInt64 = 0x5EED

    /// Throws `SpecError.notMeasurable` for what no kernel runs yet.
    ///
    /// The one place that maps (operation, pattern family) to a kernel: new pattern kernels
    /// are wired in here, and `sculptd` and `sculpt measure` pick them up.
    public static func check(_ spec: KernelSpec) throws(SpecError) {
        _ = try kind(of: spec)
    }

    /// The workload of a valid spec, running on `pool` (the spec's threads).
    public static func build(_ spec: KernelSpec, pool: ThreadPool) throws(SpecError) -> any Workload {
        switch try kind(of: spec) {
        case .convolution: return try ConvolutionWorkload(spec: spec, pool: pool, seed: seed)
        case .denseLinear: return try DenseLinearWorkload(spec: spec, pool: pool, seed: seed)
        case .reorder: return ReorderWorkload(spec: spec, pool: pool, seed: seed)
        }
    }

    /// Zeroes the weights `pattern` removes from `layer`, chosen by the real mask selection from
    /// these (random) weights, so that a sparse kernel skips what it would skip in a pruned model.
    static func prune(_ weight: UnsafeMutableBufferPointer<Float>, of layer: PrunableLayer, by pattern: PatternConfig) throws(SpecError) {
        guard pattern.family != .dense else { return }
        let keep: [Bool]
        do { keep = try MaskSelection.select(layer, weight: Array(weight), pattern: pattern).keep } catch {
            throw SpecError.invalid("\(error)")
        }
        for i in weight.indices where !keep[i] { weight[i] = 0 }
    }

    private enum Kind { case convolution, denseLinear, reorder }

    private static func kind(of spec: KernelSpec) throws(SpecError) -> Kind {
        switch (spec.op, spec.pattern.family) {
        case (.reorder, .dense): return .reorder
        case (.reorder, _): throw SpecError.invalid("a reorder has no pattern: it copies every value")
        case (.conv2d, .dense): return .convolution
        case (.linear, .dense): return .denseLinear
        case (.linear, .connectivity):
            do { try DenseLinearWorkload.layer(spec).check(spec.pattern) } catch { throw SpecError.invalid("\(error)") }
            return .denseLinear
        case (.conv2d, .kernel), (.conv2d, .grouped), (.conv2d, .connectivity), (.conv2d, .nm):
            do { try ConvolutionWorkload.layer(spec.convolutionShape).check(spec.pattern) } catch { throw SpecError.invalid("\(error)") }
            return .convolution
        case (_, .shape), (_, .channels):
            throw SpecError.notMeasurable("\(spec.pattern.family.rawValue) patterns are lowered to smaller dense layers: measure those")
        case (.linear, _):
            throw SpecError.notMeasurable("pattern family '\(spec.pattern.family.rawValue)' has no sparse linear kernel yet")
        }
    }
}
