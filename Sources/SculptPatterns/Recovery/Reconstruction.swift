import SculptGraph
import SculptKernels
import SculptRuntime

/// Layer-wise least-squares reconstruction of pruned convolutions on calibration images.
///
/// Layer by layer, in execution order, the kept weights of each filter are re-fitted so that on
/// the calibration images the layer's output (before its activation) matches the dense model's,
/// given the input that the already reconstructed layers before it now produce. Filters that
/// keep the same taps (a grouped pattern's block) share one solve with several right-hand sides.
public enum Reconstruction {
    /// The masked model with every masked convolution's kept weights re-fitted.
    /// - Parameters:
    ///   - images: calibration images, `count` of them, each `imageShape` (C × H × W), NCHW.
    ///   - rows: output positions sampled per layer for the fit (spread evenly).
    public static func reconstruct(dense: Model, masks: ModelMasks, images: [Float], imageShape: [Int], count: Int,
                                   rows: Int = 4096, ridge: Float = 1e-3) throws -> Model {
        var current = masks.apply(to: dense)
        guard let input = dense.graph.runtimeInputs.first?.name else { return current }
        let shaped = try dense.specialized(inputShapes: [input: [count] + imageShape])
        let nodes = Dictionary(uniqueKeysWithValues: shaped.graph.nodes.enumerated().map { (shaped.graph.layerName($0), $1) })
        for mask in masks.masks {
            guard let node = nodes[mask.layer], node.opType == "Conv", let x = node.input(0), let y = node.outputs.first,
                  let inShape = shaped.info(x)?.shape, let wShape = shaped.info(mask.weight)?.shape else { continue }
            let s = try ConvolutionShape(node: node, input: inShape, weight: wShape)
            guard s.groups == 1 else { continue }
            let layerInput = try outputs(of: current, input: input, images: images, imageShape: imageShape, count: count, names: [x])[x]!
            let target = try outputs(of: dense, input: input, images: images, imageShape: imageShape, count: count, names: [y])[y]!
            let bias = mask.bias.flatMap { dense.graph.initializers[$0]?.floats } ?? [Float](repeating: 0, count: s.outChannels)
            guard var weight = current.graph.initializers[mask.weight]?.floats else { continue }
            try refit(&weight, s, keep: mask.keep, input: layerInput, target: target, bias: bias, rows: rows, ridge: ridge)
            current.graph.initializers[mask.weight] = Tensor(shape: wShape, floats: weight)
        }
        return current
    }

    /// Values of tensors `names` of `model` on the images.
    static func outputs(of model: Model, input: String, images: [Float], imageShape: [Int], count: Int, names: [String]) throws -> [String: [Float]] {
        var model = model
        for name in names where !model.graph.outputs.contains(where: { $0.name == name }) {
            model.graph.outputs.append(ValueInfo(name: name, elementType: .float, shape: nil))
        }
        let session = try InferenceSession(model: model, inputShapes: [input: [count] + imageShape])
        return try session.run([input: images])
    }

    /// Least squares for the kept weights of each set of filters sharing their kept taps.
    static func refit(_ weight: inout [Float], _ s: ConvolutionShape, keep: [Bool], input: [Float], target: [Float], bias: [Float],
                      rows: Int, ridge: Float) throws {
        let positions = s.batch * s.outHeight * s.outWidth, taps = s.filterLength
        let step = max(1, positions / rows), samples = Array(stride(from: 0, to: positions, by: step))
        // Filters grouped by their kept taps.
        var sets = [[Int]: [Int]]()
        for f in 0..<s.outChannels {
            let kept = (0..<taps).filter { keep[f * taps + $0] }
            if !kept.isEmpty { sets[kept, default: []].append(f) }
        }
        let plane = s.height * s.width, outPlane = s.outHeight * s.outWidth
        for (kept, filters) in sets.sorted(by: { $0.value[0] < $1.value[0] }) {
            var a = [Float](repeating: 0, count: samples.count * kept.count)
            var b = [Float](repeating: 0, count: samples.count * filters.count)
            for (r, p) in samples.enumerated() {
                let n = p / outPlane, oy = (p % outPlane) / s.outWidth, ox = p % s.outWidth
                for (j, k) in kept.enumerated() {
                    let c = k / (s.kernelHeight * s.kernelWidth), ky = (k / s.kernelWidth) % s.kernelHeight, kx = k % s.kernelWidth
                    let iy = oy * s.strideY - s.padTop + ky * s.dilationY, ix = ox * s.strideX - s.padLeft + kx * s.dilationX
                    if iy >= 0 && iy < s.height && ix >= 0 && ix < s.width {
                        a[r * kept.count + j] = input[(n * s.inChannels + c) * plane + iy * s.width + ix]
                    }
                }
                for (j, f) in filters.enumerated() {
                    b[r * filters.count + j] = target[(n * s.outChannels + f) * outPlane + oy * s.outWidth + ox] - bias[f]
                }
            }
            let x = try LinearAlgebra.leastSquares(a, rows: samples.count, columns: kept.count, b, columns: filters.count, ridge: ridge)
            for (j, f) in filters.enumerated() {
                for (i, k) in kept.enumerated() { weight[f * taps + k] = x[i * filters.count + j] }
            }
        }
    }
}
