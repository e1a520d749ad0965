import SculptKernels

/// Restores each output channel's mean and standard deviation over the calibration images to
/// the dense model's: out' = (out − mean') · (std / std') + mean, folded into the filter and bias.
enum StatisticsCorrection {
    /// - Parameters:
    ///   - output: the pruned layer's output on the images (N × C × H × W), before the correction.
    ///   - target: the dense layer's output on the same images.
    static func correct(weight: inout [Float], bias: inout [Float], shape s: ConvolutionShape, keep: [Bool],
                        output: [Float], target: [Float]) {
        let plane = s.outHeight * s.outWidth, perFilter = weight.count / s.outChannels
        let batch = output.count / (s.outChannels * plane)
        for c in 0..<s.outChannels where keep[(c * perFilter)..<((c + 1) * perFilter)].contains(true) {
            let (mean, deviation) = moments(output, channel: c, channels: s.outChannels, plane: plane, batch: batch)
            let (targetMean, targetDeviation) = moments(target, channel: c, channels: s.outChannels, plane: plane, batch: batch)
            // A channel the pruning left (nearly) constant has no spread to restore.
            guard deviation > 1e-6 * max(targetDeviation, 1e-30) else { continue }
            let scale = targetDeviation / deviation
            for i in (c * perFilter)..<((c + 1) * perFilter) { weight[i] = Float(Double(weight[i]) * scale) }
            bias[c] = Float((Double(bias[c]) - mean) * scale + targetMean)
        }
    }

    /// Mean and standard deviation of channel `c` over every image and position.
    private static func moments(_ values: [Float], channel c: Int, channels: Int, plane: Int, batch: Int) -> (Double, Double) {
        var sum = 0.0, squares = 0.0
        for n in 0..<batch {
            let start = (n * channels + c) * plane
            for v in values[start..<(start + plane)] { sum += Double(v); squares += Double(v) * Double(v) }
        }
        let count = Double(batch * plane), mean = sum / count
        return (mean, max(0, squares / count - mean * mean).squareRoot())
    }
}
