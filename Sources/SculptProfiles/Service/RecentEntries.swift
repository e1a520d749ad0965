import Synchronization

/// The latest answers for this device's specs, kept in memory in front of the store: a batch
/// asked for again is answered without hashing its specs or decoding rows. The store stays
/// the record; what is not here is read from it (and then kept here).
final class RecentEntries: Sendable {
    private let entries = Mutex<[KernelSpec: ProfileEntry]>([:])
    /// Entries kept at most; past it, the memory starts over (the store still has them all).
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The remembered entry of each spec (nil where there is none), marked cached.
    func lookup(_ specs: [KernelSpec]) -> [ProfileEntry?] {
        entries.withLock { entries in specs.map { entries[$0] } }
    }

    /// Remembers `entry` as the cached answer for `spec`.
    func remember(_ spec: KernelSpec, _ entry: ProfileEntry) {
        var cached = entry
        cached.cached = true
        entries.withLock { entries in
            if entries.count >= capacity && entries[spec] == nil { entries.removeAll(keepingCapacity: true) }
            entries[spec] = cached
        }
    }
}
