import SculptGraph
import SculptKernels

extension ConvolutionShape {
    /// The geometry of a Conv node with the given input and weight shapes (a 1-D convolution is a
    /// 2-D one of height 1).
    public init(node: Node, input inShape: [Int], weight wShape: [Int]) throws {
        guard inShape.count == 3 || inShape.count == 4, wShape.count == inShape.count else {
            throw GraphError("only 1-D and 2-D convolutions are supported (input shape \(inShape), weight shape \(wShape))")
        }
        let geometry = try WindowGeometry(node: node, input: Array(inShape[2...]), kernel: Array(wShape[2...]))
        let planar = inShape.count == 4
        self.init(
            batch: inShape[0], inChannels: inShape[1], outChannels: wShape[0],
            height: planar ? inShape[2] : 1, width: inShape.last!,
            kernelHeight: planar ? wShape[2] : 1, kernelWidth: wShape.last!,
            strideY: planar ? geometry.strides[0] : 1, strideX: geometry.strides.last!,
            dilationY: planar ? geometry.dilations[0] : 1, dilationX: geometry.dilations.last!,
            padTop: planar ? geometry.padsBegin[0] : 0, padLeft: geometry.padsBegin.last!,
            padBottom: planar ? geometry.padsEnd[0] : 0, padRight: geometry.padsEnd.last!,
            groups: node.int("group") ?? 1)
    }
}
