import CThreadAffinity

/// Pinning threads to CPUs (Linux; elsewhere nothing is pinned).
public enum Affinity {
    /// The CPUs this process may run on, in increasing order (empty when the system does not say).
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = sculpt_allowed_cpus(&cpus, Int32(cpus.count))
        return count <= 0 ? [] : cpus.prefix(Int(count)).map(Int.init)
    }

    /// Pins the calling thread to `cpu`; returns whether it worked.
    @discardableResult
    public static func pinCurrentThread(to cpu: Int) -> Bool {
        sculpt_pin_current_thread(Int32(cpu)) == 0
    }
}
