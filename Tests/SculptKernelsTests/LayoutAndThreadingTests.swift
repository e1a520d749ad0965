import SculptKernels
import SculptTestNumerics
import Synchronization
import Testing

@Suite struct LayoutAndThreadingTests {
    /// A 3-D transpose and a strided slice through StridedCopy, checked element by element.
    @Test func stridedCopyTransposesAndSlices() {
        let shape = [3, 4, 5]
        let x = Buffer((0..<60).map(Float.init))
        let strides = StridedCopy.contiguousStrides(shape)
        let perm = [2, 0, 1]
        let y = Buffer(zeros: 60)
        StridedCopy(shape: perm.map { shape[$0] }, sourceStrides: perm.map { strides[$0] }).run(from: x.pointer, to: y.pointer)
        var expected = [Float]()
        for k in 0..<5 { for i in 0..<3 { for j in 0..<4 { expected.append(Float(i * 20 + j * 5 + k)) } } }
        #expect(y.values == expected)

        // x[1:3, ::2, 4:0:-2]
        let z = Buffer(zeros: 2 * 2 * 2)
        StridedCopy(shape: [2, 2, 2], sourceStrides: [20, 10, -2], sourceOffset: 20 + 4).run(from: x.pointer, to: z.pointer)
        #expect(z.values == [24, 22, 34, 32, 44, 42, 54, 52])
    }

    /// Planar → blocked → planar, element by element: channel counts and planes that are and
    /// are not multiples of 16 (the transposed runs and the scalar tails), two images, padded
    /// lanes zeroed over whatever the blocked buffer held before; planes 4 KiB apart, which
    /// `unblock` writes in two passes.
    @Test(arguments: [(1, 16, 16), (2, 37, 53), (2, 5, 3), (1, 48, 49), (1, 20, 32), (2, 20, 1024), (1, 13, 2048)])
    func channelBlocksRoundTrip(batch: Int, channels: Int, plane: Int) {
        let pool = ThreadPool(threads: 2)
        let w = ChannelBlocks.width, blocks = ChannelBlocks.count(channels)
        let planar = Buffer((0..<batch * channels * plane).map { Float($0 + 1) })
        let blocked = Buffer([Float](repeating: .nan, count: ChannelBlocks.floats(batch: batch, channels: channels, plane: plane)))
        ChannelBlocks.block(planar.pointer, into: blocked.pointer, batch: batch, channels: channels, plane: plane, pool: pool)
        var expected = [Float]()
        for n in 0..<batch {
            for b in 0..<blocks {
                for p in 0..<plane {
                    for l in 0..<w {
                        let c = b * w + l
                        expected.append(c < channels ? planar.pointer[(n * channels + c) * plane + p] : 0)
                    }
                }
            }
        }
        // The first differing index, not two arrays of thousands of floats, on a failure.
        #expect(firstDifference(blocked.values, expected) == nil)
        let back = Buffer(zeros: planar.count)
        ChannelBlocks.unblock(blocked.pointer, into: back.pointer, batch: batch, channels: channels, plane: plane, pool: pool)
        #expect(firstDifference(back.values, planar.values) == nil)
    }

    /// Every index of every loop runs exactly once, on a thread the pool names, loop after loop:
    /// workers go to sleep and wake, and with more threads than CPUs some join a loop late or
    /// not at all (the caller then runs their shares).
    @Test(arguments: [1, 2, 3, 5])
    func threadPoolRunsEachIterationOnce(threads: Int) {
        let pool = ThreadPool(threads: threads)
        let capacity = 1000
        let hits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: capacity)
        for i in 0..<capacity { (hits + i).initialize(to: Atomic(0)) }
        defer {
            hits.deinitialize(count: capacity)
            hits.deallocate()
        }
        let strayThreads = Atomic<Int>(0)
        for loop in 0..<500 {
            let count = [1, 2, 7, 1000, 3, 64][loop % 6]
            pool.parallelFor(count) { i, thread in
                hits[i].add(1, ordering: .relaxed)
                if !(0..<threads).contains(thread) { strayThreads.add(1, ordering: .relaxed) }
            }
            let once = (0..<count).allSatisfy { hits[$0].exchange(0, ordering: .relaxed) == 1 }
            #expect(once, "loop \(loop) of \(count) iterations")
            if !once { break }
        }
        #expect(strayThreads.load(ordering: .relaxed) == 0)
        let ranges = Mutex<[Range<Int>]>([])
        pool.parallelRanges(10) { range in ranges.withLock { $0.append(range) } }
        let covered = ranges.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }.flatMap { Array($0) }
        #expect(covered == Array(0..<10))
    }
}

/// The first index where two arrays differ (or the shorter one's end), nil when they are equal.
private func firstDifference(_ a: [Float], _ b: [Float]) -> Int? {
    a == b ? nil : (zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count))
}
