/// Source indices of data-movement operators on row-major tensors: output element `i` reads
/// input element `sources[i]`.
enum Layout {
    static func strides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        return strides
    }

    /// Visits every index of `shape` in row-major order with the offset `strides` give it.
    static func offsets(shape: [Int], strides: [Int], base: Int = 0) -> [Int] {
        let count = shape.reduce(1, *)
        var result = [Int]()
        result.reserveCapacity(count)
        guard count > 0 else { return result }
        var index = [Int](repeating: 0, count: shape.count)
        var offset = base
        for _ in 0..<count {
            result.append(offset)
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                offset += strides[axis]
                if index[axis] < shape[axis] { break }
                offset -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    static func transposeSources(shape: [Int], perm: [Int]) -> [Int] {
        let s = strides(shape)
        return offsets(shape: perm.map { shape[$0] }, strides: perm.map { s[$0] })
    }

    static func sliceSources(shape: [Int], range: SliceRange) -> [Int] {
        let s = strides(shape)
        let base = zip(range.starts, s).map(*).reduce(0, +)
        return offsets(shape: range.outputShape, strides: zip(range.steps, s).map(*), base: base)
    }

    static func broadcastSources(shape: [Int], to target: [Int]) -> [Int] {
        offsets(shape: target, strides: Broadcast.strides(of: shape, in: target))
    }

    static func gatherSources(shape: [Int], axis: Int, indices: [Int]) -> [Int] {
        let outer = shape[..<axis].reduce(1, *), inner = shape[(axis + 1)...].reduce(1, *)
        var result = [Int]()
        result.reserveCapacity(outer * indices.count * inner)
        for o in 0..<outer {
            for index in indices {
                let i = index < 0 ? index + shape[axis] : index
                let base = (o * shape[axis] + i) * inner
                result.append(contentsOf: base..<(base + inner))
            }
        }
        return result
    }

    /// For each output element of a reduction over `axes`, the input elements it combines.
    static func reductionGroups(shape: [Int], axes: Set<Int>) -> [[Int]] {
        let s = strides(shape)
        let kept = shape.indices.filter { !axes.contains($0) }
        let reduced = shape.indices.filter { axes.contains($0) }
        let members = offsets(shape: reduced.map { shape[$0] }, strides: reduced.map { s[$0] })
        return offsets(shape: kept.map { shape[$0] }, strides: kept.map { s[$0] }).map { base in members.map { base + $0 } }
    }
}
