import Foundation
import Synchronization

/// A fixed set of worker threads that run the iterations of a parallel loop.
///
/// The caller's thread takes part, so a pool of `threads` uses `threads - 1` workers. Between
/// loops, workers spin briefly before they sleep: a network runs hundreds of loops back to back,
/// and waking a sleeping thread costs more than a small layer takes. Loops must not nest.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let nextIndex = Atomic<Int>(0)
    private let busyWorkers = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let liveWorkers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private var iterationCount = 0
    private var task: ((Int) -> Void)?
    private let lock = NSCondition()

    /// How many times an idle worker polls for the next loop (about 100 µs) before it sleeps.
    private static let spinIterations = 100_000

    public init(threads: Int) {
        precondition(threads >= 1, "a thread pool needs at least one thread")
        threadCount = threads
        liveWorkers.store(threads - 1, ordering: .relaxed)
        for index in 1..<threads {
            let thread = Thread { [unowned self] in self.workerLoop() }
            thread.name = "sculpt-worker-\(index)"
            thread.start()
        }
    }

    deinit {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wakeWorkers()
        // Workers hold an unowned reference: wait until none of them can touch `self` again.
        while liveWorkers.load(ordering: .acquiring) > 0 { usleep(50) }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the pool; returns when all are done.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        guard count > 0 else { return }
        guard threadCount > 1, count > 1 else {
            for i in 0..<count { body(i) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            task = escaping
            iterationCount = count
            nextIndex.store(0, ordering: .relaxed)
            busyWorkers.store(threadCount - 1, ordering: .relaxed)
            wakeWorkers()
            runIterations(escaping)
            while busyWorkers.load(ordering: .acquiring) > 0 {}
            task = nil
        }
    }

    /// Splits `0..<count` into at most `threadCount` contiguous ranges of nearly equal length.
    public func parallelRanges(_ count: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(threadCount, count)
        parallelFor(parts) { part in body((part * count / parts)..<((part + 1) * count / parts)) }
    }

    private func wakeWorkers() {
        // Sequentially consistent on both sides: a worker going to sleep either sees the new
        // generation, or is counted in `sleepers` here and gets the broadcast.
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            lock.lock()
            lock.broadcast()
            lock.unlock()
        }
    }

    private func runIterations(_ body: (Int) -> Void) {
        while true {
            let i = nextIndex.add(1, ordering: .relaxed).oldValue
            guard i < iterationCount else { return }
            body(i)
        }
    }

    private func workerLoop() {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                guard spins >= ThreadPool.spinIterations else { continue }
                lock.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { lock.wait() }
                sleepers.subtract(1, ordering: .relaxed)
                lock.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { break }
            if let task { runIterations(task) }
            busyWorkers.subtract(1, ordering: .releasing)
        }
        liveWorkers.subtract(1, ordering: .releasing)
    }
}
