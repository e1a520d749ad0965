/// Scratch memory for kernels, one region per concurrent part of a parallel loop, allocated
/// once when a model is planned so that running it allocates nothing.
public final class Workspace: @unchecked Sendable {
    public let parts: Int
    public private(set) var floatsPerPart: Int
    private var storage: UnsafeMutablePointer<Float>

    public init(parts: Int, floatsPerPart: Int = 0) {
        self.parts = parts
        self.floatsPerPart = floatsPerPart
        storage = .allocate(capacity: max(1, parts * floatsPerPart))
    }

    deinit { storage.deallocate() }

    /// Grows every part to at least `floats`; call while planning, never while a kernel runs.
    public func reserve(floatsPerPart floats: Int) {
        guard floats > floatsPerPart else { return }
        storage.deallocate()
        // Rounded up to a cache line so that parts never share one.
        floatsPerPart = (floats + 15) / 16 * 16
        storage = .allocate(capacity: parts * floatsPerPart)
    }

    /// The scratch region of part `index` (0..<parts).
    @inline(__always)
    public func scratch(_ index: Int) -> UnsafeMutablePointer<Float> {
        storage + index * floatsPerPart
    }
}
