import Foundation
import SculptKernels
import SculptTestNumerics
import Testing

@Suite struct NormalizationTests {
    @Test(arguments: [(1, 17), (197, 64), (3, 768)])
    func layerNormalizationMatchesDefinition(rows: Int, size: Int) {
        let x = Buffer(random: rows * size, seed: 60), scale = Buffer(random: size, seed: 61), bias = Buffer(random: size, seed: 62)
        let y = Buffer(zeros: rows * size), mean = Buffer(zeros: rows), inverse = Buffer(zeros: rows)
        let (pool, _) = machinery(threads: 2)
        LayerNormalization(rows: rows, size: size, epsilon: 1e-5)
            .run(input: x.pointer, scale: scale.pointer, bias: bias.pointer, output: y.pointer,
                 mean: mean.pointer, inverseDeviation: inverse.pointer, pool: pool)
        var expected = [Float]()
        for r in 0..<rows {
            let row = x.values[(r * size)..<((r + 1) * size)].map(Double.init)
            let m = row.reduce(0, +) / Double(size)
            let v = row.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(size)
            expected += row.enumerated().map { Float(($1 - m) / (v + 1e-5).squareRoot()) * scale.values[$0] + bias.values[$0] }
            #expect(abs(Double(mean.values[r]) - m) <= 1e-6)
            #expect(abs(Double(inverse.values[r]) - 1 / (v + 1e-5).squareRoot()) <= 1e-4)
        }
        #expect(relativeError(y.values, expected) <= 1e-5)
    }

    /// Softmax along the last axis and along an inner axis sums to one and matches exp(x)/Σexp.
    @Test(arguments: [(4, 10, 1), (2, 197, 1), (3, 5, 7)])
    func softmaxMatchesDefinition(outer: Int, size: Int, inner: Int) {
        let count = outer * size * inner
        let x = Buffer(seededFloats(count, seed: 63).map { $0 * 20 })
        let y = Buffer(zeros: count)
        let (pool, _) = machinery(threads: 2)
        Softmax(outer: outer, size: size, inner: inner).run(input: x.pointer, output: y.pointer, pool: pool)
        for o in 0..<outer {
            for i in 0..<inner {
                let indices = (0..<size).map { (o * size + $0) * inner + i }
                let peak = indices.map { x.values[$0] }.max()!
                let total = indices.map { Foundation.exp(Double(x.values[$0] - peak)) }.reduce(0, +)
                for index in indices {
                    #expect(abs(Double(y.values[index]) - Foundation.exp(Double(x.values[index] - peak)) / total) <= 1e-6)
                }
            }
        }
    }

    @Test func channelAffineScalesAndShiftsEachPlane() {
        let (batch, channels, plane) = (2, 3, 21)
        let x = Buffer(random: batch * channels * plane, seed: 64)
        let scale = Buffer([2, -1, 0.5]), shift = Buffer([1, 0, -3])
        let y = Buffer(zeros: x.count)
        let (pool, _) = machinery(threads: 2)
        ChannelAffine(batch: batch, channels: channels, planeSize: plane)
            .run(input: x.pointer, scale: scale.pointer, shift: shift.pointer, output: y.pointer, activation: .relu, pool: pool)
        let expected = x.values.indices.map { i -> Float in
            let c = (i / plane) % channels
            return max(0, x.values[i] * scale.values[c] + shift.values[c])
        }
        #expect(y.values == expected)
    }
}
