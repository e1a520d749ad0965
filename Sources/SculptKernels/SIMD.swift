/// The vector every kernel computes with: 16 floats, one AVX-512 register, two AVX2 registers,
/// four NEON registers. Kernels are written once against it; the compiler maps it to the host.
public typealias Vector = SIMD16<Float>

/// The width of the vectors a kernel's register tile is made of.
public enum VectorWidth: Sendable, CaseIterable {
    case w8, w16

    public var lanes: Int { self == .w8 ? 8 : 16 }

    /// 16 floats where the CPU has 512-bit vectors (32 registers for the tile), 8 elsewhere
    /// (AVX2's 16 registers, NEON's 32 of 4 floats).
    public static let native: VectorWidth = CPUFeatures.current.contains("avx512f") ? .w16 : .w8
}

/// A count of vectors in a kernel's register tile, as a type: a constant in each specialization
/// of the kernel, so the work of the vectors it does not have folds away.
protocol TileVectors { static var count: Int { get } }
enum OneVector: TileVectors { static var count: Int { 1 } }
enum TwoVectors: TileVectors { static var count: Int { 2 } }
enum ThreeVectors: TileVectors { static var count: Int { 3 } }
enum FourVectors: TileVectors { static var count: Int { 4 } }
enum FiveVectors: TileVectors { static var count: Int { 5 } }
enum SixVectors: TileVectors { static var count: Int { 6 } }

extension UnsafePointer where Pointee == Float {
    @inline(__always) func vector() -> Vector { UnsafeRawPointer(self).loadUnaligned(as: Vector.self) }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// `count` floats starting on a cache line, freed with `deallocate()` like any others.
    ///
    /// `allocate(capacity:)` aligns to malloc's 16 bytes, and glibc starts large blocks 16 bytes
    /// into a page: every 64-byte vector of a channel-blocked tensor or of packed weights then
    /// straddled two cache lines.
    public static func allocateAligned(_ count: Int) -> Self {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    @inline(__always) func vector() -> Vector { UnsafeRawPointer(self).loadUnaligned(as: Vector.self) }
    @inline(__always) func store(_ v: Vector) { UnsafeMutableRawPointer(self).storeBytes(of: v, as: Vector.self) }
}

/// Fills `count` floats at `pointer` with `value`.
@inline(__always) func fill(_ pointer: UnsafeMutablePointer<Float>, _ count: Int, _ value: Float) {
    pointer.update(repeating: value, count: count)
}

/// Lane-wise maximum. The standard library's `pointwiseMax` and `clamped` follow IEEE
/// maximum's NaN rules lane by lane and do not vectorize; a compare and blend does.
@inline(__always) func maximum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: a .< b) }

/// Lane-wise minimum (see `maximum`).
@inline(__always) func minimum(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .< a) }

/// `x` limited to `lower...upper`, lane by lane.
///
/// Transparent, not `@inline(__always)`: with the latter the optimizer kept it a call in every
/// kernel epilogue (143 call sites, 8 % of MobileNetV2's time in it, with SIMD16 split across
/// four registers at each call).
@_transparent func clamp(_ x: Vector, _ lower: Float, _ upper: Float) -> Vector {
    minimum(maximum(x, Vector(repeating: lower)), Vector(repeating: upper))
}
