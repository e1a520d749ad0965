/// A linear layer's packed column panels without their all-zero depth rows: the inputs that a
/// panel's outputs do not use (a connectivity-pruned linear layer removes inputs per block of
/// output features) are skipped instead of multiplied by zero.
///
/// Used for the few-row matrix-vector products of `DenseLayer`, which are bound by reading the
/// weight: what is skipped is neither read nor multiplied.
struct SparsePanels: @unchecked Sendable {
    /// Panel `p`'s kept depth rows are entries `starts[p]..<starts[p + 1]`.
    let starts: [Int]
    /// The input feature of each entry.
    let inputs: UnsafeMutablePointer<Int32>
    /// Each entry's weights (a panel's width), one after another.
    let values: UnsafeMutablePointer<Float>

    /// Share of zero depth rows below which skipping them does not pay for the indirection.
    static let minimumZeroShare = 0.125

    /// The non-zero rows of `dense`, or nil when fewer than `minimumZeroShare` of its rows are zero.
    init?(_ dense: PackedPanels) {
        let width = dense.width, depth = dense.depth
        var starts = [0], kept = [Int]()
        for p in 0..<dense.panelCount {
            let panel = dense.panel(p)
            for k in 0..<depth where (0..<width).contains(where: { panel[k * width + $0] != 0 }) { kept.append(p * depth + k) }
            starts.append(kept.count)
        }
        let total = dense.panelCount * depth
        guard Double(total - kept.count) >= SparsePanels.minimumZeroShare * Double(total) else { return nil }
        self.starts = starts
        inputs = .allocate(capacity: max(1, kept.count))
        values = .allocateAligned(max(1, kept.count * width))
        for (entry, row) in kept.enumerated() {
            inputs[entry] = Int32(row % depth)
            (values + entry * width).update(from: dense.panel(row / depth) + (row % depth) * width, count: width)
        }
    }

    /// Frees the entries; the owner calls this exactly once.
    func deallocate() {
        inputs.deallocate()
        values.deallocate()
    }
}
