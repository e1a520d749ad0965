import SculptGraph

extension Tensor {
    /// The slices `indices` of this float tensor along `axis`, in that order (ONNX Gather, on constants).
    func gathered(axis: Int, _ indices: [Int]) -> Tensor {
        let values = floats ?? []
        let inner = shape[(axis + 1)...].reduce(1, *), outer = shape[..<axis].reduce(1, *), length = shape[axis]
        var result = [Float]()
        result.reserveCapacity(outer * indices.count * inner)
        for o in 0..<outer {
            for i in indices {
                let start = (o * length + i) * inner
                result += values[start..<(start + inner)]
            }
        }
        var shape = self.shape
        shape[axis] = indices.count
        return Tensor(shape: shape, floats: result)
    }

    /// The kernel taps of this convolution weight [O, I, 3, 3] that `filterShape` keeps: [O, I, rows, columns].
    func cropped(to filterShape: FilterShape) -> Tensor {
        let values = floats ?? []
        var result = [Float]()
        result.reserveCapacity(shape[0] * shape[1] * filterShape.taps)
        for kernel in 0..<(shape[0] * shape[1]) {
            for t in 0..<9 where filterShape.keeps(tap: t) { result.append(values[kernel * 9 + t]) }
        }
        return Tensor(shape: [shape[0], shape[1], filterShape.rows.count, filterShape.columns.count], floats: result)
    }
}
