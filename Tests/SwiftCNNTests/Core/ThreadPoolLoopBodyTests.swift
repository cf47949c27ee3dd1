import Synchronization
import Testing

@testable import SwiftCNN

/// The pool hands a loop body to its workers as the closure's raw words (LoopBody.c), not
/// as a boxed closure: these check that every chunk runs exactly once, with its own thread
/// index, and sees the state the caller's closure captured, across many back-to-back loops.
/// They use the shared pool: a pool's workers hold it unowned, so it must outlive them.
@Suite struct ThreadPoolLoopBodyTests {
    @Test func everyChunkRunsOnceWithTheCapturedState() {
        let pool = ThreadPool.shared
        let chunks = 17
        // One slot per chunk: each loop writes a slot from one thread only.
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
        counts.initialize(repeating: 0)
        defer { counts.deallocate() }
        let threadsSeen = Atomic<Int>(0)
        for round in 0..<200 {
            // Captured by value and by reference, wider than two words, as kernels' closures are.
            let offset = round * 1_000
            let weights = (Float(round), Float(round + 1), Float(round + 2), Float(round + 3))
            let sums = Atomic<Int>(0)
            pool.run(chunks: chunks) { thread, chunk in
                #expect((0..<pool.parts).contains(thread))
                threadsSeen.bitwiseOr(1 << thread, ordering: .relaxed)
                counts[chunk] += 1
                sums.add(offset + chunk + Int(weights.3 - weights.0), ordering: .relaxed)
            }
            #expect(sums.load(ordering: .relaxed) == chunks * offset + chunks * (chunks - 1) / 2 + 3 * chunks)
        }
        #expect(counts.allSatisfy { $0 == 200 })
        #expect(threadsSeen.load(ordering: .relaxed) & 1 == 1)
    }

    @Test func parallelChunksCoverTheRangeInOrder() {
        let pool = ThreadPool.shared
        let count = 1_001
        let marks = UnsafeMutableBufferPointer<Int>.allocate(capacity: count)
        marks.initialize(repeating: 0)
        defer { marks.deallocate() }
        pool.parallelChunks(count, chunks: 7) { _, chunk, range in
            for i in range { marks[i] += chunk + 1 }
        }
        let seen = Array(marks)
        #expect(seen.allSatisfy { $0 > 0 })
        #expect(seen == seen.sorted())
        #expect(Set(seen) == Set(1...7))
    }
}
