import COpenBLAS
import CSwiftCNNSupport
import Foundation
import Synchronization

/// A persistent pool of worker threads that split a loop with the calling thread.
///
/// Per-layer work in a small network lasts tens of microseconds, too short for a thread
/// wake-up each time, so idle workers spin for a while before they sleep. OpenBLAS is set
/// to one thread: we split each layer's batch across our workers instead, which measured
/// much faster on small shapes than OpenBLAS's own threads (see the README's benchmark).
final class ThreadPool: @unchecked Sendable {
    static let shared = ThreadPool(threads: ProcessInfo.processInfo.activeProcessorCount)

    /// Parts a loop is split into: the workers plus the calling thread.
    let parts: Int
    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    private var job: ((Int) -> Void)?
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    init(threads: Int) {
        parts = max(1, threads)
        openblas_set_num_threads(1)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for part in 1..<parts {
            let thread = Thread { [unowned self] in self.work(part: part) }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Runs `body(part)` for every part in `0..<parts`, part 0 on the calling thread, and
    /// returns when all are done. Nested or concurrent calls run serially.
    func run(_ body: (Int) -> Void) {
        guard parts > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for part in 0..<parts { body(part) }
            return
        }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            pending.store(parts - 1, ordering: .releasing)
            generation.add(1, ordering: .releasing)
            if sleepers.load(ordering: .acquiring) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&condition)
                pthread_mutex_unlock(&mutex)
            }
            escaping(0)
            // Spin briefly, then yield: on a machine busier than its cores, a worker may be
            // waiting for a CPU that this spinning thread holds.
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
    }

    /// Splits `0..<count` into contiguous ranges, one per part, and runs `body(part, range)`
    /// for each non-empty one in parallel.
    func parallelFor(_ count: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0, 0..<1) }
            return
        }
        let n = parts
        run { part in
            let range = Self.range(part: part, of: n, count: count)
            if !range.isEmpty { body(part, range) }
        }
    }

    /// Like `parallelFor`, but runs serially when the work is too small to be worth a split.
    func parallelFor(_ count: Int, minimumWork: Int, work: Int, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
        if work < minimumWork {
            body(0, 0..<count)
        } else {
            parallelFor(count, body)
        }
    }

    /// Splits an elementwise loop over `count` elements when it is long enough to pay off.
    func elementwise(_ count: Int, _ body: (Range<Int>) -> Void) {
        parallelFor(count, minimumWork: 1 << 15, work: count) { _, range in body(range) }
    }

    static func range(part: Int, of parts: Int, count: Int) -> Range<Int> {
        let base = count / parts
        let extra = count % parts
        let start = part * base + min(part, extra)
        return start..<(start + base + (part < extra ? 1 : 0))
    }

    private func work(part: Int) {
        swiftcnn_enable_flush_to_zero()
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > 2_000 { sched_yield() }
                if spins > 50_000 {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .releasing)
                    while generation.load(ordering: .acquiring) == seen {
                        pthread_cond_wait(&condition, &mutex)
                    }
                    sleepers.subtract(1, ordering: .releasing)
                    pthread_mutex_unlock(&mutex)
                }
            }
            seen = generation.load(ordering: .acquiring)
            job?(part)
            pending.subtract(1, ordering: .releasing)
        }
    }
}
