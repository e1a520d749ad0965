/// Scratch memory for kernels, allocated once when a model is planned so that running it
/// allocates nothing: one region per concurrent part of a parallel loop, and one region all
/// parts share (an input staged for every part to read).
public final class Workspace: @unchecked Sendable {
    public let parts: Int
    public private(set) var floatsPerPart: Int
    public private(set) var sharedFloats = 0
    private var storage: UnsafeMutablePointer<Float>
    private var sharedStorage: UnsafeMutablePointer<Float>

    public init(parts: Int, floatsPerPart: Int = 0) {
        self.parts = parts
        self.floatsPerPart = floatsPerPart
        storage = .allocateAligned(max(1, parts * floatsPerPart))
        sharedStorage = .allocateAligned(1)
    }

    deinit {
        storage.deallocate()
        sharedStorage.deallocate()
    }

    /// Grows the shared region to at least `floats`; call while planning.
    public func reserve(sharedFloats floats: Int) {
        guard floats > sharedFloats else { return }
        sharedStorage.deallocate()
        sharedFloats = floats
        sharedStorage = .allocateAligned(floats)
    }

    /// The region every part may read (filled before a parallel loop starts).
    public var shared: UnsafeMutablePointer<Float> { sharedStorage }

    /// Grows every part to at least `floats`; call while planning, never while a kernel runs.
    public func reserve(floatsPerPart floats: Int) {
        guard floats > floatsPerPart else { return }
        storage.deallocate()
        // Rounded up to a cache line so that parts never share one.
        floatsPerPart = (floats + 15) / 16 * 16
        storage = .allocateAligned(parts * floatsPerPart)
    }

    /// The scratch region of part `index` (0..<parts).
    @inline(__always)
    public func scratch(_ index: Int) -> UnsafeMutablePointer<Float> {
        storage + index * floatsPerPart
    }
}
