import CSwiftCNNSupport
import Foundation

// What `fit` and `evaluate` do differently on a rank of a ``DataParallel`` job. Every
// rank runs the same steps in the same order; each computes its own part of every global
// batch, and the collectives below keep the weights, the optimizer and the logs the same
// on all of them.
extension Model {
    /// Makes this rank's model the job's: rank 0's weights everywhere, and dropout draws
    /// of its own on each rank (the generators stay derived from rank 0's, so a resumed
    /// run draws the same again).
    ///
    /// `plan` (samples, batch size, epochs) must be the same on every rank: ranks that
    /// disagree would wait for each other's collectives forever, so that is an error.
    func joinJob(_ job: DataParallel, plan: [Int] = []) throws {
        let facts = plan + [weights.count, weights.reduce(0) { $0 + $1.count }]
        var sums = facts.map(Double.init) + facts.map { Double($0) * Double($0) }
        try job.sum(&sums, what: "the ranks' training plans")
        for (index, value) in facts.enumerated() {
            let n = Double(job.size)
            let mean = sums[index] / n
            guard abs(sums[facts.count + index] / n - mean * mean) < 0.5, abs(mean - Double(value)) < 0.5 else {
                throw SwiftCNNError(
                    "the MPI ranks disagree on what to train (samples, batch size, epochs, model); rank \(job.rank) has \(facts); start every rank with the same command and data")
            }
        }
        try job.broadcast(weights)
        guard job.rank > 0 else { return }
        for layer in [self as Layer] + descendants {
            var mixer = RandomGenerator(seed: UInt64(job.rank) &* 0x9E37_79B9_7F4A_7C15)
            let words = layer.random.words.map { $0 ^ mixer.next() }
            if let generator = RandomGenerator(words: words) { layer.random = generator }
        }
    }

    /// One step on this rank's part of the global batch (nil when the batch has fewer
    /// samples than there are ranks and none came here); `share` is that part's fraction
    /// of the batch. Backward hands each finished gradient to the buckets, whose
    /// all-reduces overlap the rest of it; the optimizer then steps with the averaged
    /// gradients, identically on every rank. Returns this rank's mean loss, with
    /// regularisation, as ``trainStep(_:_:)`` does.
    func distributedTrainStep(_ batch: (x: Tensor, y: Tensor)?, share: Float, job: DataParallel) throws -> Double {
        try arena.run {
            let parameters = trainingParameters
            if gradientBuckets?.covers(parameters) != true {
                gradientBuckets = GradientBuckets(parameters, job: job, capacity: Self.bucketCapacity)
            }
            if batch == nil, descendants.contains(where: { ($0 as? BatchNormalization)?.synchronized == true }) {
                throw SwiftCNNError(
                    "a global batch has fewer samples than the \(job.size) ranks, and synchronised batch norm needs at least one on each; use a batch size that is at least the number of ranks")
            }
            gradientBuckets!.begin()
            // Seeding backward with the share makes every gradient this rank's part of the
            // global batch's mean loss, so the ranks' gradients (and synchronised batch
            // norm's sums) add up to exactly that.
            return try arenaTrainStep(batch, share: share, buckets: gradientBuckets)
        }
    }

    /// One data-parallel step for a loop of your own: `batch` is this rank's part of a
    /// global batch of `globalBatchSize` samples (nil if none came to this rank). Every
    /// rank must call it for every step. Returns this rank's mean loss; the weights and
    /// the optimizer end the same on every rank.
    @discardableResult
    public func trainStep(_ batch: (x: Tensor, y: Tensor)?, globalBatchSize: Int, job: DataParallel) throws -> Double {
        let local = batch?.x.shape.first ?? 0
        guard globalBatchSize > 0, local <= globalBatchSize else {
            throw SwiftCNNError("trainStep: \(local) samples on this rank of a global batch of \(globalBatchSize)")
        }
        if gradientBuckets == nil { try joinJob(job) }
        return try CallerState.preserving {
            try distributedTrainStep(batch, share: Float(local) / Float(globalBatchSize), job: job)
        }
    }

    /// Seconds the last data-parallel step waited for its gradient all-reduces after
    /// backward ended (what did not hide behind backward), and seconds the same
    /// all-reduces take on their own, with no backward to hide behind. Nil before a step.
    public func measureGradientAllReduce() throws -> (exposed: Double, alone: Double)? {
        guard let buckets = gradientBuckets else { return nil }
        return (buckets.lastExposedWait, try buckets.timeAlone())
    }

    /// `SWIFTCNN_BUCKET_MB` (default 25, PyTorch DDP's) in bytes.
    static var bucketCapacity: Int {
        let megabytes = ProcessInfo.processInfo.environment["SWIFTCNN_BUCKET_MB"].flatMap(Double.init) ?? 25
        return Int(max(megabytes, 0.001) * 1_048_576)
    }

    /// The logs of all ranks together: the sums of this rank's `lossSum` and `seen` and
    /// of its metrics' states, and whether any rank was asked to stop (Ctrl-C on one
    /// stops all after the same step).
    func reduceLogs(lossSum: Double, seen: Int, stop: Bool, job: DataParallel) throws
        -> (logs: [String: Double], stop: Bool, lossSum: Double, seen: Int, states: [String: [Double]])
    {
        var values = [lossSum, Double(seen), stop ? 1 : 0]
        for metric in metrics { values += metric.state }
        try job.sum(&values, what: "the step's loss and metrics")
        let total = Int(values[1].rounded())
        var logs = ["loss": values[0] / Double(max(total, 1))]
        var states: [String: [Double]] = [:]
        var offset = 3
        for metric in metrics {
            let local = metric.state
            let global = Array(values[offset..<(offset + local.count)])
            offset += local.count
            metric.restore(global)
            logs[metric.name] = metric.result
            metric.restore(local)
            states[metric.name] = global
        }
        return (logs, values[2] > 0, values[0], total, states)
    }

    /// Where an interrupted epoch stopped, with its running sums over all ranks.
    func epochProgress(epoch: Int, step: Int, lossSum: Double, seen: Int, job: DataParallel?) throws -> EpochProgress {
        guard let job else {
            return EpochProgress(
                epoch: epoch, step: step, lossSum: lossSum, seen: seen,
                metrics: Dictionary(metrics.map { ($0.name, $0.state) }, uniquingKeysWith: { first, _ in first }))
        }
        let global = try reduceLogs(lossSum: lossSum, seen: seen, stop: false, job: job)
        return EpochProgress(epoch: epoch, step: step, lossSum: global.lossSum, seen: global.seen, metrics: global.states)
    }
}
