/// The geometry of a 2-D convolution over NCHW tensors (1-D convolutions use height 1).
public struct ConvolutionShape: Sendable, Hashable, CustomStringConvertible {
    public var batch: Int
    public var inChannels: Int
    public var outChannels: Int
    public var height: Int
    public var width: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var strideY: Int
    public var strideX: Int
    public var dilationY: Int
    public var dilationX: Int
    public var padTop: Int
    public var padLeft: Int
    public var padBottom: Int
    public var padRight: Int
    public var groups: Int

    public init(batch: Int = 1, inChannels: Int, outChannels: Int, height: Int, width: Int,
                kernelHeight: Int, kernelWidth: Int, strideY: Int = 1, strideX: Int = 1,
                dilationY: Int = 1, dilationX: Int = 1,
                padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0, groups: Int = 1) {
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.height = height
        self.width = width
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideY = strideY
        self.strideX = strideX
        self.dilationY = dilationY
        self.dilationX = dilationX
        self.padTop = padTop
        self.padLeft = padLeft
        self.padBottom = padBottom
        self.padRight = padRight
        self.groups = groups
    }

    /// A square kernel with "same"-style symmetric padding `kernel / 2`.
    public init(batch: Int = 1, inChannels: Int, outChannels: Int, height: Int, width: Int,
                kernel: Int, stride: Int = 1, groups: Int = 1) {
        self.init(batch: batch, inChannels: inChannels, outChannels: outChannels, height: height, width: width,
                  kernelHeight: kernel, kernelWidth: kernel, strideY: stride, strideX: stride,
                  padTop: kernel / 2, padLeft: kernel / 2, padBottom: kernel / 2, padRight: kernel / 2, groups: groups)
    }

    public var outHeight: Int { (height + padTop + padBottom - dilationY * (kernelHeight - 1) - 1) / strideY + 1 }
    public var outWidth: Int { (width + padLeft + padRight - dilationX * (kernelWidth - 1) - 1) / strideX + 1 }
    public var inChannelsPerGroup: Int { inChannels / groups }
    public var outChannelsPerGroup: Int { outChannels / groups }
    /// Length of one filter: input channels of its group times kernel taps.
    public var filterLength: Int { inChannelsPerGroup * kernelHeight * kernelWidth }
    public var isDepthwise: Bool { groups == inChannels && groups == outChannels && groups > 1 }
    public var inputCount: Int { batch * inChannels * height * width }
    public var outputCount: Int { batch * outChannels * outHeight * outWidth }
    public var weightCount: Int { outChannels * filterLength }
    /// Multiply-accumulates of one run.
    public var macs: Int { outputCount * filterLength }

    public var description: String {
        "\(inChannels)→\(outChannels)@\(height)x\(width) k\(kernelHeight)x\(kernelWidth) s\(strideY)"
            + (groups > 1 ? " g\(groups)" : "") + (batch > 1 ? " n\(batch)" : "")
    }
}
