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

/// A convolution kernel family: the shapes it handles and how to prepare it.
public struct ConvolutionKernel: Sendable, CustomStringConvertible {
    public let name: String
    public let supports: @Sendable (ConvolutionShape) -> Bool
    /// Prepares the kernel for a shape, packing `weight` ([outChannels][inChannels/groups][kh][kw]) and `bias`.
    public let prepare: @Sendable (ConvolutionShape, UnsafePointer<Float>, UnsafePointer<Float>?) -> any PreparedConvolution

    public var description: String { name }
}

/// Every convolution kernel, for the runtime to choose from and for tests and benchmarks to iterate.
public enum ConvolutionKernels {
    /// Direct convolution, 6 pixels × 16 filters per register tile: any window larger than 1 × 1.
    public static let direct = ConvolutionKernel(name: "direct", supports: { _ in true }) {
        DirectConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// Packed GEMM over an implicit im2col matrix: any shape; the runtime's choice for 1 × 1 windows.
    public static let gemm = ConvolutionKernel(name: "gemm", supports: { _ in true }) {
        GEMMConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// One filter per channel, vectorized along rows.
    public static let depthwise = ConvolutionKernel(name: "depthwise", supports: \.isDepthwise) {
        DepthwiseConvolution(shape: $0, weight: $1, bias: $2)
    }

    /// Explicit im2col and OpenBLAS's sgemm: the baseline that faster kernels are measured against.
    public static let im2colOpenBLAS = ConvolutionKernel(name: "im2col+openblas", supports: { _ in true }) {
        OpenBLASConvolution(shape: $0, weight: $1, bias: $2)
    }

    public static let all = [direct, gemm, depthwise, im2colOpenBLAS]

    /// The kernel the runtime uses for `shape`.
    public static func preferred(for shape: ConvolutionShape) -> ConvolutionKernel {
        if shape.isDepthwise { return depthwise }
        return shape.kernelHeight * shape.kernelWidth > 1 ? direct : gemm
    }
}
