extension Pooling {
    /// Whether `runHalving` computes `s`: 2×2 windows at stride 2 without padding or dilation,
    /// each inside the input (MaxPool2d(2) and AvgPool2d(2) in floor mode).
    public static func halves(_ s: PoolingShape) -> Bool {
        s.kernelHeight == 2 && s.kernelWidth == 2 && s.strideY == 2 && s.strideX == 2 && s.dilationY == 1 && s.dilationX == 1
            && s.padTop == 0 && s.padLeft == 0 && s.padBottom == 0 && s.padRight == 0
            && 2 * s.outHeight <= s.height && 2 * s.outWidth <= s.width
    }

    /// 2×2 pooling at stride 2 on planar tensors (`halves`): each output from its four inputs,
    /// row after row. The general kernel (`run`) computes every column of a bordered copy and
    /// keeps every other one through scalar copies.
    public static func runHalving(_ kind: Kind, _ s: PoolingShape, input: UnsafePointer<Float>,
                                  output: UnsafeMutablePointer<Float>, pool: ThreadPool) {
        precondition(halves(s), "runHalving computes 2×2 windows at stride 2 inside the input")
        pool.parallelRanges(s.planes * s.outHeight) { rows in
            for task in rows {
                let plane = task / s.outHeight, oy = task % s.outHeight
                let top = input + (plane * s.height + 2 * oy) * s.width, bottom = top + s.width
                let out = output + task * s.outWidth
                if kind == .max {
                    for x in 0..<s.outWidth {
                        out[x] = Swift.max(Swift.max(top[2 * x], top[2 * x + 1]), Swift.max(bottom[2 * x], bottom[2 * x + 1]))
                    }
                } else {
                    for x in 0..<s.outWidth { out[x] = (top[2 * x] + top[2 * x + 1] + bottom[2 * x] + bottom[2 * x + 1]) * 0.25 }
                }
            }
        }
    }
}
