/// The plain definition of convolution every convolution kernel is tested against.
public enum ReferenceConvolution {
    /// output = activation(conv(input, weight) + bias); weight is [outChannels][inChannels/groups][kh][kw].
    public static func run(_ s: ConvolutionShape, input: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                           bias: UnsafePointer<Float>?, output: UnsafeMutablePointer<Float>,
                           activation: Activation = .identity) {
        let oh = s.outHeight, ow = s.outWidth
        for n in 0..<s.batch {
            for oc in 0..<s.outChannels {
                let g = oc / s.outChannelsPerGroup
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum = Double(bias?[oc] ?? 0)
                        for icg in 0..<s.inChannelsPerGroup {
                            let ic = g * s.inChannelsPerGroup + icg
                            for ky in 0..<s.kernelHeight {
                                let iy = oy * s.strideY - s.padTop + ky * s.dilationY
                                guard iy >= 0 && iy < s.height else { continue }
                                for kx in 0..<s.kernelWidth {
                                    let ix = ox * s.strideX - s.padLeft + kx * s.dilationX
                                    guard ix >= 0 && ix < s.width else { continue }
                                    let x = input[((n * s.inChannels + ic) * s.height + iy) * s.width + ix]
                                    let w = weight[((oc * s.inChannelsPerGroup + icg) * s.kernelHeight + ky) * s.kernelWidth + kx]
                                    sum += Double(x) * Double(w)
                                }
                            }
                        }
                        output[((n * s.outChannels + oc) * oh + oy) * ow + ox] = activation.reference(Float(sum))
                    }
                }
            }
        }
    }
}
