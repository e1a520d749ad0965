/// A convolution prepared for one shape and one set of weights (packed once), ready to run.
public protocol PreparedConvolution: AnyObject, Sendable {
    var shape: ConvolutionShape { get }
    /// Scratch floats it needs in the workspace: per part of a parallel loop, and shared by all parts.
    var scratchFloats: (perPart: Int, shared: Int) { get }
    /// output = activation(conv(input) + bias + residual), NCHW; `residual` is shaped like the output.
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
             activation: Activation, pool: ThreadPool, workspace: Workspace)
}

extension PreparedConvolution {
    /// Grows `workspace` to what this convolution needs.
    public func reserve(in workspace: Workspace) {
        workspace.reserve(floatsPerPart: scratchFloats.perPart)
        workspace.reserve(sharedFloats: scratchFloats.shared)
    }
}

/// A convolution kernel: the shapes and layouts it handles, and how to prepare it.
public struct ConvolutionKernel: Sendable, CustomStringConvertible {
    public let name: String
    /// Kernels of one family compute the same way and differ only in the layouts they read and write.
    public let family: String
    /// The layout it reads its input in and writes its output in.
    public let layouts: (input: TensorLayout, output: TensorLayout)
    public let supports: @Sendable (ConvolutionShape) -> Bool
    /// The vector widths it has register tiles for: both, or only `.native` for a kernel that
    /// runs the same code at any width. Tests run every one of them whatever the CPU.
    public let widths: [VectorWidth]
    private let make: @Sendable (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>?, VectorWidth) -> any PreparedConvolution

    /// A kernel whose register tiles come in both widths: `prepare` gets the one to use.
    public init(name: String, family: String? = nil, supports: @escaping @Sendable (ConvolutionShape) -> Bool,
                layouts: (input: TensorLayout, output: TensorLayout) = (.planar, .planar),
                prepare: @escaping @Sendable (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>?, VectorWidth) -> any PreparedConvolution) {
        self.init(name, family, supports, layouts, widths: VectorWidth.allCases, make: prepare)
    }

    /// A kernel with one code path, whatever the vector width.
    public init(name: String, family: String? = nil, supports: @escaping @Sendable (ConvolutionShape) -> Bool,
                layouts: (input: TensorLayout, output: TensorLayout) = (.planar, .planar),
                prepare: @escaping @Sendable (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>?) -> any PreparedConvolution) {
        self.init(name, family, supports, layouts, widths: [.native]) { shape, weight, bias, _ in prepare(shape, weight, bias) }
    }

    private init(_ name: String, _ family: String?, _ supports: @escaping @Sendable (ConvolutionShape) -> Bool,
                 _ layouts: (input: TensorLayout, output: TensorLayout), widths: [VectorWidth],
                 make: @escaping @Sendable (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>?, VectorWidth) -> any PreparedConvolution) {
        self.name = name
        self.family = family ?? name
        self.layouts = layouts
        self.supports = supports
        self.widths = widths
        self.make = make
    }

    /// Prepares the kernel for a shape, packing `weight` ([outChannels][inChannels/groups][kh][kw])
    /// and `bias`, with the register tiles of `width` where it has tiles of both widths.
    public func prepare(_ shape: ConvolutionShape, _ weight: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                        width: VectorWidth = .native) -> any PreparedConvolution {
        make(shape, weight, bias, width)
    }

    public var description: String { name }
}

/// Every convolution kernel, for the runtime to choose from and for tests and benchmarks to iterate.
public enum ConvolutionKernels {
    /// Direct convolution, 6 pixels × 16 filters per register tile, planar in and out.
    public static let direct = ConvolutionKernel(name: "direct", supports: { _ in true }) {
        DirectConvolution(shape: $0, weight: $1, bias: $2, blockVectors: DirectConvolution.blockVectors(for: $3))
    }

    /// Direct convolution from a planar input (a model's image) to a channel-blocked output.
    public static let directToBlocked = ConvolutionKernel(
        name: "direct-planar-to-blocked", supports: DirectConvolution.canWriteBlocked, layouts: (.planar, .blocked)
    ) {
        DirectConvolution(shape: $0, weight: $1, bias: $2, inputLayout: .planar, outputLayout: .blocked,
                          blockVectors: DirectConvolution.blockVectors(for: $3))
    }

    /// Direct convolution on channel-blocked tensors: every tile is stored as 6 whole vectors.
    public static let directBlocked = ConvolutionKernel(
        name: "direct-blocked", supports: DirectConvolution.canWriteBlocked, layouts: (.blocked, .blocked)
    ) {
        DirectConvolution(shape: $0, weight: $1, bias: $2, inputLayout: .blocked, outputLayout: .blocked,
                          blockVectors: DirectConvolution.blockVectors(for: $3))
    }

    /// Packed GEMM over an implicit im2col matrix, planar: any shape.
    public static let gemm = ConvolutionKernel(name: "gemm", supports: { _ in true }) {
        GEMMConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// One filter per channel, planar, vectorized along rows.
    public static let depthwise = ConvolutionKernel(name: "depthwise", supports: \.isDepthwise) {
        DepthwiseConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// One filter per channel on channel-blocked tensors, vectorized across channels.
    public static let blockedDepthwise = ConvolutionKernel(name: "depthwise-blocked", supports: \.isDepthwise,
                                                           layouts: (.blocked, .blocked)) {
        BlockedDepthwiseConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// Explicit im2col and OpenBLAS's sgemm, planar: the baseline that faster kernels are measured against.
    public static let im2colOpenBLAS = ConvolutionKernel(name: "im2col+openblas", supports: { _ in true }) {
        OpenBLASConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// Only the nonzero taps, shared by blocks of 4 filters (grouped kernel patterns, connectivity).
    public static let patternBlocks = ConvolutionKernel(name: "pattern-4-filters", supports: PatternConvolution.supports) {
        PatternConvolution(shape: $0, weight: $1, bias: $2, blockFilters: 4, width: $3)
    }

    /// Only the nonzero taps of each filter on its own (PatDNN per-kernel patterns, N:M).
    public static let patternFilters = ConvolutionKernel(name: "pattern-1-filter", supports: PatternConvolution.supports) {
        PatternConvolution(shape: $0, weight: $1, bias: $2, blockFilters: 1, width: $3)
    }

    /// Direct convolution over the taps each block of 16 filters keeps (grouped patterns with
    /// groups of 16), planar in and out.
    public static let patternSixteen = ConvolutionKernel(name: "pattern-16-filters", family: "pattern-16", supports: { _ in true }) {
        DirectConvolution(shape: $0, weight: $1, bias: $2, skippingZeros: true)
    }

    /// `patternSixteen` from a planar input to a channel-blocked output.
    public static let patternSixteenToBlocked = ConvolutionKernel(
        name: "pattern-16-filters-planar-to-blocked", family: "pattern-16", supports: DirectConvolution.canWriteBlocked, layouts: (.planar, .blocked)
    ) {
        DirectConvolution(shape: $0, weight: $1, bias: $2, inputLayout: .planar, outputLayout: .blocked, skippingZeros: true)
    }

    /// `patternSixteen` on channel-blocked tensors.
    public static let patternSixteenBlocked = ConvolutionKernel(
        name: "pattern-16-filters-blocked", family: "pattern-16", supports: DirectConvolution.canWriteBlocked, layouts: (.blocked, .blocked)
    ) {
        DirectConvolution(shape: $0, weight: $1, bias: $2, inputLayout: .blocked, outputLayout: .blocked, skippingZeros: true)
    }

    public static let all = [direct, directToBlocked, directBlocked, gemm, depthwise, blockedDepthwise, im2colOpenBLAS,
                             patternBlocks, patternFilters, patternSixteen, patternSixteenToBlocked, patternSixteenBlocked]
    /// The kernels that skip zero weights.
    public static let sparse = [patternBlocks, patternFilters, patternSixteen, patternSixteenToBlocked, patternSixteenBlocked]

    /// The kernel of `kernel`'s family for `shape` that reads `input`, writing a blocked output when
    /// one can; `kernel` itself when its family has none.
    public static func variant(of kernel: ConvolutionKernel, for shape: ConvolutionShape, input: TensorLayout) -> ConvolutionKernel {
        let candidates = all.filter { $0.family == kernel.family && $0.layouts.input == input && $0.supports(shape) }
        return candidates.first { $0.layouts.output == .blocked } ?? candidates.first ?? kernel
    }

    /// The kernel the runtime uses for `shape` with its input in `input`: one that writes a blocked
    /// output whenever it can and `blocked` allows; its input layout may differ from `input`
    /// (a grouped convolution reads planar), and then the input has to be converted.
    public static func preferred(for shape: ConvolutionShape, input: TensorLayout, blocked: Bool = true) -> ConvolutionKernel {
        let planar = shape.isDepthwise ? depthwise : shape.kernelHeight * shape.kernelWidth > 1 ? direct : gemm
        guard blocked else { return planar }
        if shape.isDepthwise { return input == .blocked ? blockedDepthwise : depthwise }
        guard DirectConvolution.canWriteBlocked(shape) else { return planar }
        return input == .blocked ? directBlocked : directToBlocked
    }
}
