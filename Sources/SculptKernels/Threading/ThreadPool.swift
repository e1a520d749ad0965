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
        state = PoolState(threads: threads)
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
    /// are done. Thread t starts on the t-th of `threadCount` equal contiguous parts of the range,
    /// then takes what is left of the others', one iteration at a time, so a thread that the system
    /// slows down does not hold the others up; `thread` (0..<threadCount) names the thread running
    /// an iteration, for per-thread scratch memory.
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
///
/// A loop is open from the moment the caller publishes it until the caller has run out of
/// iterations. A worker joins only while it is open, and the caller waits only for the workers
/// that joined: a worker whose CPU the system (or the hypervisor) has taken away for a while
/// costs the loop nothing, where waiting for every worker to check in would stall the caller
/// until that CPU comes back, at every loop of an inference.
private final class PoolState: @unchecked Sendable {
    /// The current loop: its generation (the high bits), whether it is open, and how many workers
    /// are inside it (the low bits).
    let loop = Atomic<Int>(0)
    /// Each thread's share of the current loop: a contiguous range of iterations, claimed one at
    /// a time by its thread and, once their own are done, by the others. Contiguous, so that a
    /// thread works on the same part of the data in consecutive loops (when kernels number their
    /// iterations alike) and finds it in its own caches: the CPUs of a virtual machine may share
    /// no cache. Thread t's next iteration and end are slots t · slotsPerShare and the one after:
    /// a cache line of its own, so that claiming does not slow the other threads down.
    let shares: UnsafeMutablePointer<Atomic<Int>>
    let threads: Int
    static let slotsPerShare = 16
    let sleepers = Atomic<Int>(0)
    let stopping = Atomic<Bool>(false)
    var task: ((Int, Int) -> Void)?
    let lock = NSCondition()

    static let open = 1 << 15
    static let insideMask = open - 1
    static let generationUnit = 1 << 16

    /// How long an idle worker polls for the next loop before it sleeps. Longer than the gaps
    /// between the loops of one inference (a sleeping worker takes tens of microseconds to wake),
    /// short enough not to hold a core long after the work is done.
    static let spinNanoseconds: UInt64 = 5_000_000

    init(threads: Int) {
        precondition(threads <= PoolState.insideMask, "too many threads")
        self.threads = threads
        let slots = threads * PoolState.slotsPerShare
        shares = UnsafeMutableRawPointer.allocate(byteCount: slots * MemoryLayout<Atomic<Int>>.stride, alignment: 128)
            .bindMemory(to: Atomic<Int>.self, capacity: slots)
        for slot in 0..<slots { (shares + slot).initialize(to: Atomic(0)) }
    }

    deinit {
        shares.deinitialize(count: threads * PoolState.slotsPerShare)
        shares.deallocate()
    }

    func run(_ count: Int, _ body: @escaping (Int, Int) -> Void) {
        task = body
        for t in 0..<threads {
            shares[t * PoolState.slotsPerShare].store(t * count / threads, ordering: .relaxed)
            shares[t * PoolState.slotsPerShare + 1].store((t + 1) * count / threads, ordering: .relaxed)
        }
        // Releasing: a worker that joins sees the task and the shares.
        let generation = loop.load(ordering: .relaxed) / PoolState.generationUnit + 1
        loop.store(generation * PoolState.generationUnit | PoolState.open, ordering: .sequentiallyConsistent)
        wakeSleepers()
        runIterations(body, thread: 0)
        // Close the loop, then wait for the workers inside to finish their last iterations.
        // Yield now and then: on a busy board a worker may be waiting for this very core.
        var inside = loop.bitwiseAnd(~PoolState.open, ordering: .acquiringAndReleasing).newValue & PoolState.insideMask
        var spins = 0
        while inside > 0 {
            spins += 1
            if spins & 1023 == 0 { sched_yield() }
            inside = loop.load(ordering: .acquiring) & PoolState.insideMask
        }
        task = nil
    }

    func stop() {
        stopping.store(true, ordering: .sequentiallyConsistent)
        loop.add(PoolState.generationUnit, ordering: .sequentiallyConsistent)
        wakeSleepers()
    }

    private func wakeSleepers() {
        // Sequentially consistent on both sides: a worker going to sleep either sees the new
        // generation, or is counted in `sleepers` here and gets the broadcast.
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            lock.lock()
            lock.broadcast()
            lock.unlock()
        }
    }

    /// Runs the iterations of the thread's own share, then what is left of the others'.
    private func runIterations(_ body: (Int, Int) -> Void, thread: Int) {
        for k in 0..<threads {
            let share = shares + (thread + k) % threads * PoolState.slotsPerShare
            let end = share[1].load(ordering: .relaxed)
            while true {
                let i = share[0].add(1, ordering: .relaxed).oldValue
                guard i < end else { break }
                body(i, thread)
            }
        }
    }

    /// Joins the loop `state` describes if it is still open; returns whether it did.
    private func join(_ state: Int) -> Bool {
        var current = state
        while current & PoolState.open != 0 {
            let (exchanged, now) = loop.compareExchange(expected: current, desired: current + 1,
                                                         ordering: .acquiringAndReleasing)
            if exchanged { return true }
            // Another worker joined (try again) or the loop closed or moved on (give up on it).
            guard now / PoolState.generationUnit == state / PoolState.generationUnit else { return false }
            current = now
        }
        return false
    }

    func workerLoop(thread: Int) {
        var seen = 0
        while true {
            var spins = 0
            let idleSince = DispatchTime.now().uptimeNanoseconds
            while loop.load(ordering: .acquiring) / PoolState.generationUnit == seen {
                spins += 1
                // Every 1,024 polls: let another thread have the core, and check the clock.
                guard spins & 1023 == 0 else { continue }
                sched_yield()
                guard DispatchTime.now().uptimeNanoseconds - idleSince >= PoolState.spinNanoseconds else { continue }
                lock.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                while loop.load(ordering: .sequentiallyConsistent) / PoolState.generationUnit == seen { lock.wait() }
                sleepers.subtract(1, ordering: .relaxed)
                lock.unlock()
            }
            // The state first, then `stopping`: a worker that saw stop's generation sees its flag.
            let state = loop.load(ordering: .acquiring)
            seen = state / PoolState.generationUnit
            if stopping.load(ordering: .acquiring) { return }
            guard join(state) else { continue }
            if let task { runIterations(task, thread: thread) }
            loop.subtract(1, ordering: .releasing)
        }
    }
}
