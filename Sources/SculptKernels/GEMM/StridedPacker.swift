/// Packs panels from a strided matrix: element (e, k), where e runs along the panel's width
/// (rows of A, columns of B) and k along the depth, is at `data[e * extentStride + k * depthStride]`.
public struct StridedPacker: PanelPacker {
    public let data: UnsafePointer<Float>
    public let extent: Int
    public let extentStride: Int
    public let depthStride: Int

    public init(data: UnsafePointer<Float>, extent: Int, extentStride: Int, depthStride: Int) {
        self.data = data
        self.extent = extent
        self.extentStride = extentStride
        self.depthStride = depthStride
    }

    public func pack(panels: Range<Int>, k0: Int, depth: Int, width: Int, into destination: UnsafeMutablePointer<Float>) {
        var out = destination
        for panel in panels {
            let e0 = panel * width, valid = min(width, extent - e0)
            if extentStride == 1 && valid == Vector.scalarCount && width == Vector.scalarCount {
                // Contiguous along the width: one vector per k.
                var source = data + e0 + k0 * depthStride
                for _ in 0..<depth {
                    out.store(source.vector())
                    source += depthStride
                    out += width
                }
                continue
            }
            if valid < width { fill(out, depth * width, 0) }
            if depthStride == 1 {
                // Contiguous along the depth: walk each row of the panel.
                for e in 0..<valid {
                    let source = data + (e0 + e) * extentStride + k0
                    for kk in 0..<depth { out[kk * width + e] = source[kk] }
                }
            } else {
                for kk in 0..<depth {
                    let source = data + e0 * extentStride + (k0 + kk) * depthStride
                    for e in 0..<valid { out[kk * width + e] = source[e * extentStride] }
                }
            }
            out += depth * width
        }
    }
}
