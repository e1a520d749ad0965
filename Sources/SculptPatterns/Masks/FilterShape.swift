import SculptKernels

/// The rows and columns of a 3x3 filter's kernels that an AutoSculpt shape pattern keeps.
///
/// Every kernel of the filter keeps the same rectangle, so the filter is a smaller dense
/// convolution (2x3, 3x2, 1x3, 3x1) whose pads are shifted by the rows and columns it drops.
public struct FilterShape: Hashable, Sendable, CustomStringConvertible {
    public var rows: ClosedRange<Int>
    public var columns: ClosedRange<Int>

    public init(rows: ClosedRange<Int>, columns: ClosedRange<Int>) {
        self.rows = rows
        self.columns = columns
    }

    public static let full = FilterShape(rows: 0...2, columns: 0...2)

    /// The family's shapes, largest first; the lowering emits one convolution per shape in this order.
    public static let all: [FilterShape] = [full]
        + [0...1, 1...2].map { FilterShape(rows: $0, columns: 0...2) }
        + [0...1, 1...2].map { FilterShape(rows: 0...2, columns: $0) }
        + (0...2).map { FilterShape(rows: $0...$0, columns: 0...2) }
        + (0...2).map { FilterShape(rows: 0...2, columns: $0...$0) }

    public var taps: Int { rows.count * columns.count }

    /// Whether tap `tap` (row-major in the 3x3 kernel) is kept.
    public func keeps(tap: Int) -> Bool { rows.contains(tap / 3) && columns.contains(tap % 3) }

    /// Whether every tap this shape keeps is kept by `other` too.
    public func isSubset(of other: FilterShape) -> Bool {
        other.rows.contains(rows.lowerBound) && other.rows.contains(rows.upperBound)
            && other.columns.contains(columns.lowerBound) && other.columns.contains(columns.upperBound)
    }

    /// The pads [top, left, bottom, right] of the smaller convolution that computes this shape
    /// where `conv` computes the full 3x3 kernel; nil when a pad would be negative (ONNX has no
    /// negative pads, so the shape cannot be lowered for this convolution).
    public func pads(in conv: ConvolutionShape) -> [Int]? {
        let pads = [conv.padTop - rows.lowerBound * conv.dilationY, conv.padLeft - columns.lowerBound * conv.dilationX,
                    conv.padBottom - (2 - rows.upperBound) * conv.dilationY, conv.padRight - (2 - columns.upperBound) * conv.dilationX]
        return pads.allSatisfy { $0 >= 0 } ? pads : nil
    }

    /// The shape whose taps are exactly `flags` (9, row-major), or nil when they are no shape of the family.
    public init?(taps flags: ArraySlice<Bool>) {
        guard let shape = Self.all.first(where: { shape in
            (0..<9).allSatisfy { shape.keeps(tap: $0) == flags[flags.startIndex + $0] }
        }) else { return nil }
        self = shape
    }

    /// "3x3", "2x3 rows 0-1", "1x3 row 1", …
    public var description: String {
        let size = "\(rows.count)x\(columns.count)"
        if rows.count < 3 { return size + (rows.count == 1 ? " row \(rows.lowerBound)" : " rows \(rows.lowerBound)-\(rows.upperBound)") }
        if columns.count < 3 { return size + (columns.count == 1 ? " column \(columns.lowerBound)" : " columns \(columns.lowerBound)-\(columns.upperBound)") }
        return size
    }
}
