import Foundation
import Synchronization

/// JSON of profile entries, each encoded once: a daemon answers the same cached entries again
/// and again, and encoding them is most of the time a cached batch takes.
public final class EncodedEntries: Sendable {
    private let encoded = Mutex<[String: Data]>([:])
    /// Encodings kept at most; past it, the memory starts over.
    public let capacity: Int

    public init(capacity: Int = 8192) { self.capacity = capacity }

    /// `{"<key>": [entry, ...]}`, the entries' keys sorted as `JSONEncoder` with `.sortedKeys` writes them.
    public func object(key: String, _ entries: [ProfileEntry]) throws -> Data {
        var out = Data(#"{"\#(key)":["#.utf8)
        for (index, entry) in entries.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(try json(entry))
        }
        out.append(contentsOf: Array("]}".utf8))
        return out
    }

    /// One entry's JSON (sorted keys, slashes unescaped).
    func json(_ entry: ProfileEntry) throws -> Data {
        let key = "\(entry.deviceID)|\(entry.workload)|\(Timestamp.milliseconds(entry.measuredAt))|\(entry.cached)"
        if let data = encoded.withLock({ $0[key] }) { return data }
        let data = Data(try StoreJSON.string(entry).utf8)
        encoded.withLock { encoded in
            if encoded.count >= capacity { encoded.removeAll(keepingCapacity: true) }
            encoded[key] = data
        }
        return data
    }
}
