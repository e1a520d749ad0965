/// The plain definition of max and average pooling the fast kernel is tested against.
public enum ReferencePooling {
    public static func run(_ kind: Pooling.Kind, _ s: PoolingShape, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        for plane in 0..<s.planes {
            let src = input + plane * s.height * s.width
            let dst = output + plane * s.outHeight * s.outWidth
            for oy in 0..<s.outHeight {
                for ox in 0..<s.outWidth {
                    var best = -Float.infinity, sum: Float = 0
                    for ky in 0..<s.kernelHeight {
                        let y = oy * s.strideY - s.padTop + ky * s.dilationY
                        guard y >= 0 && y < s.height else { continue }
                        for kx in 0..<s.kernelWidth {
                            let x = ox * s.strideX - s.padLeft + kx * s.dilationX
                            guard x >= 0 && x < s.width else { continue }
                            best = max(best, src[y * s.width + x])
                            sum += src[y * s.width + x]
                        }
                    }
                    let taps = s.coveredTaps(oy, axis: 0) * s.coveredTaps(ox, axis: 1)
                    dst[oy * s.outWidth + ox] = kind == .max ? best : sum / Float(taps)
                }
            }
        }
    }
}
