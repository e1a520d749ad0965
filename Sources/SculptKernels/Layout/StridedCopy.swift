/// Copies a strided view of a tensor into a strided destination: the one kernel behind
/// Transpose, Slice, Concat, Split, Gather, Expand and broadcasting copies.
///
/// Element `index` of `shape` is read at `sourceOffset + Σ index·sourceStrides` and written
/// at `destinationOffset + Σ index·destinationStrides`. Dimensions that stay regular on both
/// sides are merged, so contiguous runs become single block copies.
public struct StridedCopy: Sendable {
    let shape: [Int]
    let sourceStrides: [Int]
    let destinationStrides: [Int]
    public let sourceOffset: Int
    public let destinationOffset: Int
    public let count: Int

    public init(shape: [Int], sourceStrides: [Int], sourceOffset: Int = 0,
                destinationStrides: [Int]? = nil, destinationOffset: Int = 0) {
        let destination = destinationStrides ?? StridedCopy.contiguousStrides(shape)
        var merged = [Int](), src = [Int](), dst = [Int]()
        for axis in shape.indices where shape[axis] != 1 {
            if let last = merged.indices.last,
               src[last] == sourceStrides[axis] * shape[axis], dst[last] == destination[axis] * shape[axis] {
                merged[last] *= shape[axis]
                src[last] = sourceStrides[axis]
                dst[last] = destination[axis]
            } else {
                merged.append(shape[axis])
                src.append(sourceStrides[axis])
                dst.append(destination[axis])
            }
        }
        if merged.isEmpty { merged = [1]; src = [1]; dst = [1] }
        self.shape = merged
        self.sourceStrides = src
        self.destinationStrides = dst
        self.sourceOffset = sourceOffset
        self.destinationOffset = destinationOffset
        count = shape.reduce(1, *)
    }

    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        return strides
    }

    public func run(from source: UnsafePointer<Float>, to destination: UnsafeMutablePointer<Float>) {
        guard count > 0 else { return }
        let inner = shape.last!, rows = count / inner
        let si = sourceStrides.last!, di = destinationStrides.last!
        withUnsafeTemporaryAllocation(of: Int.self, capacity: shape.count) { index in
        index.initialize(repeating: 0)
        var s = source + sourceOffset, d = destination + destinationOffset
        for _ in 0..<rows {
            if si == 1 && di == 1 {
                d.update(from: s, count: inner)
            } else {
                for i in 0..<inner { d[i * di] = s[i * si] }
            }
            // Advance the outer index like an odometer.
            var axis = shape.count - 2
            while axis >= 0 {
                index[axis] += 1
                s += sourceStrides[axis]
                d += destinationStrides[axis]
                if index[axis] < shape[axis] { break }
                s -= sourceStrides[axis] * shape[axis]
                d -= destinationStrides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        }
    }
}
