/// NumPy-style (multidirectional) broadcasting, as ONNX's elementwise operators use it.
public enum Broadcast {
    /// The shape that `shapes` broadcast to, or nil when they are incompatible.
    public static func shape(_ shapes: [[Int]]) -> [Int]? {
        let rank = shapes.map(\.count).max() ?? 0
        var result = [Int](repeating: 1, count: rank)
        for shape in shapes {
            let offset = rank - shape.count
            for (i, n) in shape.enumerated() {
                let current = result[offset + i]
                if current == 1 {
                    result[offset + i] = n
                } else if n != 1 && n != current {
                    return nil
                }
            }
        }
        return result
    }

    /// Element strides of `shape` viewed in the broadcast `target` shape (0 along broadcast axes).
    public static func strides(of shape: [Int], in target: [Int]) -> [Int] {
        var strides = [Int](repeating: 0, count: target.count)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let axis = target.count - shape.count + i
            strides[axis] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }
}

/// Normalizes an ONNX axis (negative counts from the end) against `rank`.
func normalizedAxis(_ axis: Int, rank: Int, node: String) throws -> Int {
    let resolved = axis < 0 ? axis + rank : axis
    guard resolved >= 0 && resolved < max(rank, 1) else {
        throw GraphError("node '\(node)': axis \(axis) is out of range for rank \(rank)")
    }
    return resolved
}
