import CSwiftCNNSupport
import Foundation
import Synchronization

/// A persistent pool of worker threads that share a loop with the calling thread.
///
/// Per-layer work in a small network lasts tens of microseconds, too short for a thread
/// wake-up each time, so idle workers spin for a while before they sleep. OpenBLAS runs on
/// one thread during the library's calls (``CallerState``): each layer's batch is split
/// across our threads instead, which measured much faster on small shapes than OpenBLAS's
/// own threads. Creating the pool leaves OpenBLAS's setting alone.
///
/// A loop is cut into a few chunks per thread that threads claim one at a time, so when
/// the machine is busier than its cores and a worker does not get a CPU, the caller does
/// that worker's chunks instead of waiting for it. A worker that wakes after the loop has
/// ended does nothing.
final class ThreadPool: @unchecked Sendable {
    static let shared = ThreadPool(threads: defaultThreads)

    /// `SWIFTCNN_THREADS` when set (`swiftcnn train --threads N` sets it); else the cores,
    /// shared between the MPI ranks that run on this machine.
    static var defaultThreads: Int {
        if let text = ProcessInfo.processInfo.environment["SWIFTCNN_THREADS"], let n = Int(text), n > 0 { return n }
        return max(1, ProcessInfo.processInfo.activeProcessorCount / (OpenMPI.localRanks ?? 1))
    }

    /// Threads that run a loop: the workers plus the calling thread. Per-thread scratch
    /// is indexed by the `thread` argument of a loop body.
    let parts: Int
    private let generation = Atomic<Int>(0)
    /// The generation of the loop threads may still join, or -1 once it is closed.
    private let openGeneration = Atomic<Int>(-1)
    /// Workers inside the current loop.
    private let active = Atomic<Int>(0)
    private let nextChunk = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private let sleepers = Atomic<Int>(0)
    /// The current loop's body; workers only call it while they are `active` in its loop.
    private var job = swiftcnn_loop_body()
    private var jobChunks = 0
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()

    init(threads: Int) {
        parts = max(1, threads)
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
        for thread in 1..<parts {
            let worker = Thread { [unowned self] in self.work(thread: thread) }
            worker.stackSize = 1 << 20
            worker.start()
        }
    }

    /// Runs `body(thread, chunk)` for every chunk in `0..<chunks`, spread over the pool's
    /// threads (the caller is thread 0), and returns when all are done. A nested or
    /// concurrent call runs on the calling thread alone.
    func run(chunks: Int, _ body: (_ thread: Int, _ chunk: Int) -> Void) {
        guard chunks > 0 else { return }
        guard parts > 1, chunks > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
        else {
            for chunk in 0..<chunks { body(0, chunk) }
            return
        }
        // The body's two words go to the workers as they are (LoopBody.c):
        // `withoutActuallyEscaping` would box them on the heap on every loop. The body
        // stays valid because this call returns only after every worker has left the loop.
        // The loop's own state goes through fields: a closure capturing it would be a second
        // context to keep alive.
        swiftcnnLoopBodyCapture(body, &job)
        jobChunks = chunks
        nextChunk.store(0, ordering: .sequentiallyConsistent)
        let current = generation.load(ordering: .relaxed) + 1
        openGeneration.store(current, ordering: .sequentiallyConsistent)
        generation.store(current, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(&mutex)
            pthread_cond_broadcast(&condition)
            pthread_mutex_unlock(&mutex)
        }
        claimChunks(thread: 0)
        openGeneration.store(-1, ordering: .sequentiallyConsistent)
        // Wait only for workers that joined; they are finishing a chunk.
        var spins = 0
        while active.load(ordering: .sequentiallyConsistent) > 0 {
            spins += 1
            if spins > 1_000 { sched_yield() }
        }
        job = swiftcnn_loop_body()
        busy.store(false, ordering: .releasing)
    }

    /// Runs chunks of the current loop until none are left.
    private func claimChunks(thread: Int) {
        while true {
            let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
            if chunk >= jobChunks { return }
            swiftcnn_loop_body_call(job, thread, chunk)
        }
    }

    /// Splits `0..<count` into contiguous ranges (about `chunksPerThread` per thread) and
    /// runs `body(thread, range)` for each in parallel. Bodies that keep per-thread partial
    /// results must accumulate across the several ranges one thread may get.
    func parallelFor(_ count: Int, chunksPerThread: Int = 1, _ body: (_ thread: Int, _ range: Range<Int>) -> Void) {
        let chunks = min(count, parts * max(chunksPerThread, 1))
        parallelChunks(count, chunks: chunks) { thread, _, range in body(thread, range) }
    }

    /// Splits `0..<count` into exactly `chunks` contiguous ranges (fewer when `count` is
    /// smaller) and runs `body(thread, chunk, range)` for each. Reductions keep one partial
    /// per chunk and add them in chunk order, so their result does not depend on which
    /// thread ran which chunk: training is repeatable bit for bit.
    func parallelChunks(_ count: Int, chunks: Int, _ body: (_ thread: Int, _ chunk: Int, _ range: Range<Int>) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0, 0, 0..<1) }
            return
        }
        let chunks = max(1, min(count, chunks))
        run(chunks: chunks) { thread, chunk in
            let range = Self.range(part: chunk, of: chunks, count: count)
            if !range.isEmpty { body(thread, chunk, range) }
        }
    }

    /// Chunks a reduction over `count` items is split into (see `parallelChunks`).
    func reductionChunks(_ count: Int) -> Int { max(1, min(count, parts)) }

    /// Like `parallelFor`, but runs serially when the work is too small to be worth a split.
    func parallelFor(
        _ count: Int, minimumWork: Int, work: Int, chunksPerThread: Int = 3,
        _ body: (_ thread: Int, _ range: Range<Int>) -> Void
    ) {
        if work < minimumWork {
            body(0, 0..<count)
        } else {
            parallelFor(count, chunksPerThread: chunksPerThread, body)
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

    private func work(thread: Int) {
        swiftcnn_enable_flush_to_zero()
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .sequentiallyConsistent) == seen {
                spins += 1
                if spins > 2_000 { sched_yield() }
                if spins > 50_000 {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen {
                        pthread_cond_wait(&condition, &mutex)
                    }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(&mutex)
                }
            }
            seen = generation.load(ordering: .sequentiallyConsistent)
            active.add(1, ordering: .sequentiallyConsistent)
            if openGeneration.load(ordering: .sequentiallyConsistent) == seen {
                claimChunks(thread: thread)
            }
            active.subtract(1, ordering: .sequentiallyConsistent)
        }
    }
}

/// Copies a non-escaping closure's two words into `out` without boxing it (LoopBody.c).
/// The words are valid only until the call that passed `body` returns.
@_silgen_name("swiftcnn_loop_body_capture")
private func swiftcnnLoopBodyCapture(_ body: (_ thread: Int, _ chunk: Int) -> Void, _ out: UnsafeMutablePointer<swiftcnn_loop_body>)
