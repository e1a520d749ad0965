import Foundation
import Synchronization

/// A fixed set of worker threads that run the iterations of a parallel loop.
///
/// The caller's thread takes part, so a pool of `threads` uses `threads - 1` workers. Between
/// loops, workers spin briefly before they sleep: a network runs hundreds of loops back to back,
/// and waking a sleeping thread costs more than a small layer takes. Loops must not nest, and one
/// thread at a time calls `parallelFor`.
public final class ThreadPool: @unchecked Sendable {
    public let threadCount: Int
    private let state: PoolState

    /// A pool of `threads` threads. With `pinned`, each thread, the calling one included, is pinned
    /// to its own CPU among those the process may use: the system cannot then put two of them on
    /// one core, where one would wait for the other at every loop. (The calling thread takes the
    /// last of them: on small virtual machines the first often serves interrupts.)
    public init(threads: Int, pinned: Bool = false) {
        precondition(threads >= 1, "a thread pool needs at least one thread")
        threadCount = threads
        state = PoolState(workers: threads - 1)
        let cpus = pinned ? Affinity.allowedCPUs() : []
        if threads > 1, cpus.count >= threads { Affinity.pinCurrentThread(to: cpus[threads - 1]) }
        for index in 1..<threads {
            let cpu = cpus.count >= threads ? cpus[index - 1] : nil
            // Workers own the state, not the pool: the pool can go away while they wind down.
            let thread = Thread { [state] in
                if let cpu { Affinity.pinCurrentThread(to: cpu) }
                state.workerLoop(thread: index)
            }
            thread.name = "sculpt-worker-\(index)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// Runs `body(i, thread)` for every `i` in `0..<count`, spread over the pool; returns when all
    /// are done. Iterations are handed out one at a time, so a thread that the system slows down
    /// does not hold the others up; `thread` (0..<threadCount) names the thread running an
    /// iteration, for per-thread scratch memory.
    public func parallelFor(_ count: Int, _ body: (_ index: Int, _ thread: Int) -> Void) {
        guard count > 0 else { return }
        guard threadCount > 1, count > 1 else {
            for i in 0..<count { body(i, 0) }
            return
        }
        withoutActuallyEscaping(body) { state.run(count, $0) }
    }

    /// Runs `body(i)` for every `i` in `0..<count`, spread over the pool.
    public func parallelFor(_ count: Int, _ body: (Int) -> Void) {
        parallelFor(count) { index, _ in body(index) }
    }

    /// Splits `0..<count` into contiguous ranges, a few per thread, and runs `body` on each.
    public func parallelRanges(_ count: Int, _ body: (Range<Int>) -> Void) {
        let parts = min(ThreadPool.rangesPerThread * threadCount, count)
        parallelFor(parts) { part in body((part * count / parts)..<((part + 1) * count / parts)) }
    }

    /// `parallelRanges` when the loop has at least `minimumWork` units of work (elements, say),
    /// one range on the calling thread otherwise: small loops are not worth waking workers for.
    public func parallelRanges(_ count: Int, work: Int, minimumWork: Int, _ body: (Range<Int>) -> Void) {
        if work >= minimumWork { parallelRanges(count, body) } else { body(0..<count) }
    }

    /// Ranges per thread in `parallelRanges`: enough to even out a slowed thread, few enough to be cheap.
    public static let rangesPerThread = 4
}

/// What the caller and the workers of a pool share.
private final class PoolState: @unchecked Sendable {
    let workers: Int
    let generation = Atomic<Int>(0)
    let nextIndex = Atomic<Int>(0)
    let busyWorkers = Atomic<Int>(0)
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    var iterationCount = 0
    var task: ((Int, Int) -> Void)?
    let lock = NSCondition()

    /// How long an idle worker polls for the next loop before it sleeps. Longer than the gaps
    /// between the loops of one inference (a sleeping worker takes tens of microseconds to wake),
    /// short enough not to hold a core long after the work is done.
    static let spinNanoseconds: UInt64 = 5_000_000

    init(workers: Int) { self.workers = workers }

    func run(_ count: Int, _ body: @escaping (Int, Int) -> Void) {
        task = body
        iterationCount = count
        nextIndex.store(0, ordering: .relaxed)
        busyWorkers.store(workers, ordering: .relaxed)
        wakeWorkers()
        runIterations(body, thread: 0)
        // Yield now and then: on a busy board a worker may be waiting for this very core.
        var spins = 0
        while busyWorkers.load(ordering: .acquiring) > 0 {
            spins += 1
            if spins & 1023 == 0 { sched_yield() }
        }
        task = nil
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        wakeWorkers()
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

    private func runIterations(_ body: (Int, Int) -> Void, thread: Int) {
        while true {
            let i = nextIndex.add(1, ordering: .relaxed).oldValue
            guard i < iterationCount else { return }
            body(i, thread)
        }
    }

    func workerLoop(thread: Int) {
        var seen = 0
        while true {
            var spins = 0
            let idleSince = DispatchTime.now().uptimeNanoseconds
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                // Every 1,024 polls: let another thread have the core, and check the clock.
                guard spins & 1023 == 0 else { continue }
                sched_yield()
                guard DispatchTime.now().uptimeNanoseconds - idleSince >= PoolState.spinNanoseconds else { continue }
                lock.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while generation.load(ordering: .sequentiallyConsistent) == seen { lock.wait() }
                sleepers.subtract(1, ordering: .relaxed)
                lock.unlock()
            }
            seen = generation.load(ordering: .acquiring)
            if stopping.load(ordering: .acquiring) { return }
            if let task { runIterations(task, thread: thread) }
            busyWorkers.subtract(1, ordering: .releasing)
        }
    }
}
