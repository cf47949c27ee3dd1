import Foundation

/// Makes an epoch's training batches on a background thread, `depth` steps ahead of the
/// step that trains on them, so gathering, converting and augmenting a batch overlaps
/// the previous step's arithmetic. Batches come out in step order.
///
/// `make(step)` runs on the producer thread, one step after another; an error it throws
/// is rethrown by the `next()` that would have returned its batch. `finish()` stops the
/// thread and waits for it, so that nothing touches the data once `fit` returns.
final class BatchProducer: @unchecked Sendable {
    typealias Batch = (images: Tensor, labels: Tensor)?

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var ready: [(step: Int, result: Result<Batch, any Error>)] = []
    private var cancelled = false
    private var running = true
    private let depth: Int

    /// Starts producing batches for `steps`, in order.
    init(steps: Range<Int>, depth: Int = 2, make: @escaping @Sendable (Int) throws -> Batch) {
        self.depth = max(1, depth)
        let thread = Thread { [self] in
            for step in steps {
                condition.lock()
                while ready.count >= self.depth && !cancelled { condition.wait() }
                let stop = cancelled
                condition.unlock()
                if stop { break }
                _ = BatchFailure.take()
                var result = Result { try make(step) }
                // A source's failure (an image that does not decode) fails the step.
                if let failure = BatchFailure.take() { result = .failure(failure) }
                condition.lock()
                ready.append((step, result))
                condition.broadcast()
                condition.unlock()
                if case .failure = result { break }
            }
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "swiftcnn data producer"
        thread.start()
    }

    /// The batch of `step` (steps are asked for in order), waiting for it if needed.
    func next(step: Int) throws -> Batch {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty {
            guard running else { throw SwiftCNNError("data producer: no batch for step \(step + 1)") }
            condition.wait()
        }
        let (made, result) = ready.removeFirst()
        condition.broadcast()
        guard made == step else { throw SwiftCNNError("data producer: made step \(made + 1) when step \(step + 1) was asked for") }
        return try result.get()
    }

    /// Stops making batches and waits until the thread has ended.
    func finish() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        ready.removeAll()
        condition.unlock()
    }

    deinit { finish() }
}

/// How a ``BatchSource`` fails a step. `batch` does not throw, so a source that cannot
/// make its batch (an image that fails to decode mid-epoch) reports the error here, on
/// the thread that called `batch`, and returns a batch of the right shape; the data
/// producer then discards that batch and makes the error the step's, which `fit` throws.
public enum BatchFailure {
    private static let key = "SwiftCNN.BatchFailure"

    /// Records `error` for the batch being made on this thread (the first one is kept).
    public static func report(_ error: any Error) {
        let slot = Thread.current.threadDictionary
        if slot[key] == nil { slot[key] = Box(error) }
    }

    /// The error reported on this thread since the last call, cleared.
    public static func take() -> (any Error)? {
        let slot = Thread.current.threadDictionary
        defer { slot.removeObject(forKey: key) }
        return (slot[key] as? Box)?.error
    }

    private final class Box {
        let error: any Error
        init(_ error: any Error) { self.error = error }
    }
}

/// The generator an augmentation draws from for one training step: a function of the
/// run's seed, the epoch and the step only, so a resumed run draws what an uninterrupted
/// one would have.
public func augmentationGenerator(seed: UInt64, epoch: Int, step: Int) -> RandomGenerator {
    var mixer = RandomGenerator(seed: seed ^ 0xA06D_E47A_710A_5EED)
    let base = mixer.next()
    return RandomGenerator(seed: base &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step) &* 0xD1B5_4A32_D192_ED03)
}
