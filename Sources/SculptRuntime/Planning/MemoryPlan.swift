/// Offsets of intermediate tensors in one arena, chosen so that tensors whose lifetimes overlap
/// never share memory: greedy placement, largest first, at the lowest free offset.
struct MemoryPlan {
    struct Request {
        var name: String
        var count: Int
        /// Steps from the one that writes the tensor to the last that reads it, inclusive.
        var lifetime: ClosedRange<Int>
    }

    private(set) var offsets = [String: Int]()
    private(set) var totalFloats = 0

    /// Offsets are aligned to 16 floats (a cache line).
    static let alignment = 16

    init(_ requests: [Request]) {
        var placed = [(range: Range<Int>, lifetime: ClosedRange<Int>)]()
        for request in requests.sorted(by: { ($0.count, $1.name) > ($1.count, $0.name) }) {
            let size = (request.count + MemoryPlan.alignment - 1) / MemoryPlan.alignment * MemoryPlan.alignment
            let conflicts = placed.filter { $0.lifetime.overlaps(request.lifetime) }.map(\.range).sorted { $0.lowerBound < $1.lowerBound }
            var offset = 0
            for range in conflicts {
                if offset + size <= range.lowerBound { break }
                offset = max(offset, range.upperBound)
            }
            placed.append((offset..<(offset + size), request.lifetime))
            offsets[request.name] = offset
            totalFloats = max(totalFloats, offset + size)
        }
    }
}
