import SculptKernels
import SculptTestNumerics

/// Owned float storage for kernel tests, with pointers that stay valid for the test's duration.
final class Buffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Float>

    init(_ values: [Float]) {
        count = values.count
        pointer = .allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
    }

    convenience init(random count: Int, seed: UInt64) { self.init(seededFloats(count, seed: seed)) }
    convenience init(zeros count: Int) { self.init([Float](repeating: 0, count: count)) }

    deinit { pointer.deallocate() }

    var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}

/// A pool and a workspace per thread count; tests run in parallel, so each test makes its own.
func machinery(threads: Int) -> (ThreadPool, Workspace) {
    (ThreadPool(threads: threads), Workspace(parts: threads))
}
