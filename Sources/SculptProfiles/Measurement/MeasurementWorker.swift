import Foundation

/// The one thread that measures, fed by a bounded queue: measurements never overlap each
/// other, and a client that asks for more than the queue holds is told to come back later
/// instead of waiting without bound.
public final class MeasurementWorker: @unchecked Sendable {
    /// Specs (units of work) that may wait or run at once.
    public let capacity: Int
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []
    private var pendingUnits = 0

    /// The queue is full; `retryAfterSeconds` estimates when it will have drained.
    public struct QueueFull: Error, CustomStringConvertible {
        public var pending: Int
        public var retryAfterSeconds: Int
        public var description: String { "the measurement queue is full (\(pending) specs pending); retry in \(retryAfterSeconds) s" }
    }

    public init(capacity: Int) {
        precondition(capacity >= 1, "a queue holds at least one unit")
        self.capacity = capacity
        let thread = Thread { [self] in loop() }
        thread.name = "sculpt-measure"
        thread.start()
    }

    /// Units waiting or running.
    public var pending: Int {
        condition.lock()
        defer { condition.unlock() }
        return pendingUnits
    }

    /// Runs `body` on the worker thread after the jobs ahead of it; `units` is what it costs
    /// the queue (the specs it measures). Throws `QueueFull` at once when they do not fit.
    public func run<T: Sendable>(units: Int, secondsPerUnit: Double,
                                 _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            defer { condition.unlock() }
            guard pendingUnits + units <= capacity || pendingUnits == 0 else {
                let wait = Int((Double(pendingUnits) * secondsPerUnit).rounded(.up))
                continuation.resume(throwing: QueueFull(pending: pendingUnits, retryAfterSeconds: max(1, wait)))
                return
            }
            pendingUnits += units
            jobs.append { [self] in
                let result = Result { try body() }
                condition.lock()
                pendingUnits -= units
                condition.unlock()
                continuation.resume(with: result)
            }
            condition.signal()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}
