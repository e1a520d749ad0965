import SculptKernels
import SculptTestSupport
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

    /// Every index of every loop runs exactly once, loop after loop (workers go to sleep and wake).
    @Test(arguments: [1, 2, 3])
    func threadPoolRunsEachIterationOnce(threads: Int) {
        let pool = ThreadPool(threads: threads)
        for count in [1, 2, 7, 1000] {
            let hits = UnsafeMutablePointer<Atomic<Int>>.allocate(capacity: count)
            for i in 0..<count { (hits + i).initialize(to: Atomic(0)) }
            pool.parallelFor(count) { i in hits[i].add(1, ordering: .relaxed) }
            #expect((0..<count).allSatisfy { hits[$0].load(ordering: .relaxed) == 1 })
            hits.deinitialize(count: count)
            hits.deallocate()
        }
        var total = 0
        pool.parallelRanges(10) { range in _ = range }
        for _ in 0..<200 { pool.parallelFor(2) { _ in }; total += 1 }
        #expect(total == 200)
    }
}
