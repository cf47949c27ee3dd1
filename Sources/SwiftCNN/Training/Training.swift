import CSwiftCNNSupport

/// Keras's training API: `compile`, `fit`, `evaluate`, `predict`.
extension Model {
    /// Chooses the optimiser, loss and metrics, as `model.compile(...)`.
    public func compile(optimizer: Optimizer, loss: Loss, metrics: [Metric] = []) {
        self.optimizer = optimizer
        self.loss = loss
        self.metrics = metrics
    }

    /// One optimisation step on a batch: forward in training mode, loss (plus
    /// regularisation), backward, update. Returns the loss as Keras reports it.
    ///
    /// Like `fit`, `evaluate` and `predict`, it flushes denormals to zero on the calling
    /// thread and runs OpenBLAS on one thread (process-wide) while it works, and puts both
    /// back as the caller had them before it returns (``CallerState``).
    @discardableResult
    public func trainStep(_ x: Tensor, _ y: Tensor) throws -> Double {
        try CallerState.preserving { try arena.run { try arenaTrainStep((x, y)) } }
    }

    /// The step itself, for one process and for a rank of an MPI job alike: forward under
    /// the tape, backward, regularisation, update. A data-parallel rank passes its `share`
    /// of the global batch (backward starts from it instead of 1) and its `buckets`, which
    /// take each gradient as soon as it is final and leave the ranks' sum in its place
    /// before the update; its `batch` is nil when no sample of the step came to it.
    func arenaTrainStep(_ batch: (x: Tensor, y: Tensor)?, share: Float? = nil, buckets: GradientBuckets? = nil)
        throws -> Double
    {
        let (optimizer, loss) = try compiled()
        let parameters = trainingParameters
        for parameter in parameters {
            parameter.zeroGradient()
            parameter.unreachedReads = 0
        }
        var total = 0.0
        if let (x, y) = batch {
            let (prediction, value) = try GradientTape.recording {
                let prediction = try self(x, training: true)
                return (prediction, try loss(y, prediction))
            }
            try value.backward(
                seed: share.map { Tensor(shape: value.shape, repeating: $0) },
                onParameterReady: buckets.map { $0.gradientReady })
            total = Double(value.scalar)
            for metric in metrics { try metric.update(y, prediction) }
        }
        try buckets?.finish()
        for parameter in parameters {
            guard let regularizer = parameter.regularizer else { continue }
            total += Double(regularizer.loss(parameter.value))
            parameter.accumulate(regularizer.gradient(parameter.value))
        }
        try optimizer.apply(to: parameters)
        return total
    }

    /// Trains for `epochs` passes over `(x, y)`, as Keras's `fit`. The epoch's `loss` is
    /// the batch-size-weighted mean of the batch losses; validation (every
    /// `validationFreq` epochs) runs in inference mode after the epoch's last update.
    @discardableResult
    public func fit(
        x: Tensor, y: Tensor, batchSize: Int = 32, epochs: Int = 1,
        validationData: (x: Tensor, y: Tensor)? = nil, validationFreq: Int = 1,
        shuffle: Bool = true, initialEpoch: Int = 0, callbacks: [Callback] = [], verbose: Bool = true,
        augmentation: (any BatchAugmentation)? = nil
    ) throws -> History {
        try checkBatches(x, y, batchSize: batchSize, op: "fit")
        return try fit(
            TensorBatches(x: x, y: y), batchSize: batchSize, epochs: epochs, validationData: validationData,
            validationFreq: validationFreq, shuffle: shuffle, initialEpoch: initialEpoch, callbacks: callbacks,
            verbose: verbose, augmentation: augmentation)
    }

    /// `fit` on batches from `source` (a tensor pair, or 8-bit images converted per
    /// batch). A background producer makes each training batch ahead of its step and
    /// applies `augmentation` to it there, drawing from ``augmentationGenerator(seed:epoch:step:)``
    /// with the model's `seed`; validation data is never augmented.
    @discardableResult
    public func fit(
        _ source: some BatchSource, batchSize: Int = 32, epochs: Int = 1,
        validationData: (x: Tensor, y: Tensor)? = nil, validationFreq: Int = 1,
        shuffle: Bool = true, initialEpoch: Int = 0, callbacks: [Callback] = [], verbose: Bool = true,
        augmentation: (any BatchAugmentation)? = nil
    ) throws -> History {
        // Denormals flushed and OpenBLAS on one thread during the call; the caller's after.
        try CallerState.preserving {
            try arena.run {
                try arenaFit(
                    source: source, batchSize: batchSize, epochs: epochs, validationData: validationData,
                    validationFreq: validationFreq, shuffle: shuffle, initialEpoch: initialEpoch, callbacks: callbacks,
                    verbose: verbose, augmentation: augmentation)
            }
        }
    }

    private func arenaFit(
        source: some BatchSource, batchSize: Int, epochs: Int, validationData: (x: Tensor, y: Tensor)?,
        validationFreq: Int, shuffle: Bool, initialEpoch: Int, callbacks: [Callback], verbose: Bool,
        augmentation: (any BatchAugmentation)?
    ) throws -> History {
        _ = try compiled()
        guard batchSize > 0 else { throw SwiftCNNError("fit: batch size must be positive, got \(batchSize)") }
        guard source.count > 0 else { throw SwiftCNNError("fit: no samples") }
        guard epochs >= 0, initialEpoch >= 0, validationFreq > 0 else {
            throw SwiftCNNError("fit: epochs (\(epochs)), initialEpoch (\(initialEpoch)) and validationFreq (\(validationFreq)) must be non-negative and validationFreq positive")
        }
        if let validationData { try checkBatches(validationData.x, validationData.y, batchSize: batchSize, op: "fit (validation data)") }
        let count = source.count
        let steps = (count + batchSize - 1) / batchSize
        let job = try DataParallel.current()
        if let job { try joinJob(job, plan: [count, batchSize, epochs, initialEpoch]) }
        let all = (verbose && job?.isPrimary != false ? [ProgressBar()] : []) + callbacks
        // Interruption and resumption come from the callbacks (a ResumeCallback).
        let partial = all.lazy.compactMap(\.resumePoint).first
        func interrupted() -> Bool { all.contains { $0.stopRequested } }
        var history = History()
        var order = Array(0..<count)
        stopTraining = false
        for callback in all { try callback.onTrainBegin(model: self, epochs: epochs, stepsPerEpoch: steps) }
        epochs: for epoch in initialEpoch..<max(epochs, initialEpoch) {
            for callback in all { try callback.onEpochBegin(epoch, model: self) }
            if shuffle {
                // Each epoch's order depends only on the seed and the epoch, so a run resumed
                // at an epoch sees the same order an uninterrupted run would.
                var shuffler = RandomGenerator(seed: (seed ^ 0x5EED) &+ UInt64(epoch) &* 0x9E37_79B9)
                order = Array(0..<count)
                order.shuffle(using: &shuffler)
            }
            for metric in metrics { metric.reset() }
            var lossSum = 0.0
            var seen = 0
            var logs: [String: Double] = [:]
            var firstStep = 0
            if let partial, partial.epoch == epoch {
                // Continue an interrupted epoch: same order, its running sums restored
                // (under MPI on rank 0 only: the sums are global, and each step adds up
                // the ranks' own).
                firstStep = min(partial.step, steps)
                if job?.isPrimary != false {
                    (lossSum, seen) = (partial.lossSum, partial.seen)
                    for metric in metrics { metric.restore(partial.metrics[metric.name] ?? []) }
                }
                if partial.seen > 0 {
                    logs = ["loss": partial.lossSum / Double(partial.seen)]
                    for metric in metrics { logs[metric.name] = metric.result }
                }
            }
            // The examples each step trains on (under MPI, this rank's part of the global
            // batch), made into batches by the producer ahead of the step.
            let plan: [[Int]] = (firstStep..<steps).map { step in
                var range = (step * batchSize)..<min((step + 1) * batchSize, count)
                if let job {
                    let part = job.share(of: range.count)
                    range = (range.lowerBound + part.lowerBound)..<(range.lowerBound + part.upperBound)
                }
                return shuffle ? Array(order[range]) : Array(range)
            }
            // Under MPI each rank draws its own augmentations for its own images.
            let runSeed = seed &+ UInt64(job?.rank ?? 0) &* 0xA076_1D64_78BD_642F
            let first = firstStep
            let producer = BatchProducer(steps: firstStep..<steps) { step in
                let indices = plan[step - first]
                guard !indices.isEmpty else { return nil }
                var batch = source.batch(indices)
                if let augmentation {
                    var generator = augmentationGenerator(seed: runSeed, epoch: epoch, step: step)
                    try augmentation.augment(&batch.images, using: &generator)
                }
                return batch
            }
            defer { producer.finish() }
            for step in firstStep..<steps {
                let range = (step * batchSize)..<min((step + 1) * batchSize, count)
                // Under MPI the ranks agree on stopping when they add up the step's logs.
                var stop = interrupted()
                let batch = try producer.next(step: step)
                if let job {
                    // This rank's part of the global batch; the logs are the ranks' sums.
                    let mine = plan[step - firstStep].count
                    let local = try distributedTrainStep(
                        batch.map { ($0.images, $0.labels) }, share: Float(mine) / Float(range.count), job: job)
                    lossSum += local * Double(mine)
                    seen += mine
                    let global = try reduceLogs(lossSum: lossSum, seen: seen, stop: stop, job: job)
                    (logs, stop) = (global.logs, global.stop)
                    guard let stepLoss = logs["loss"], stepLoss.isFinite else {
                        throw SwiftCNNError("fit: the loss became \(logs["loss"] ?? .nan) at epoch \(epoch + 1), step \(step + 1); try a lower learning rate")
                    }
                } else {
                    guard let (xb, yb) = batch else { throw SwiftCNNError("fit: step \(step + 1) has no examples") }
                    let batchLoss = try trainStep(xb, yb)
                    guard batchLoss.isFinite else {
                        throw SwiftCNNError("fit: the loss became \(batchLoss) at epoch \(epoch + 1), step \(step + 1); try a lower learning rate")
                    }
                    lossSum += batchLoss * Double(range.count)
                    seen += range.count
                    logs = ["loss": lossSum / Double(seen)]
                    for metric in metrics { logs[metric.name] = metric.result }
                }
                for callback in all { try callback.onBatchEnd(step, logs: logs, model: self) }
                if job == nil { stop = interrupted() }
                if stop {
                    // Stop after this step; the unfinished epoch is neither validated nor logged.
                    history.interruptedEpoch = epoch
                    history.interruption = try epochProgress(epoch: epoch, step: step + 1, lossSum: lossSum, seen: seen, job: job)
                    break epochs
                }
                if stopTraining { break }
            }
            // Each rank's batch norm saw its own samples: the moving statistics become the
            // ranks' mean, so every rank validates and saves the same model.
            if let job { try job.average(nonTrainableWeights) }
            if let validationData, (epoch + 1) % validationFreq == 0 {
                let results = try evaluate(x: validationData.x, y: validationData.y, batchSize: batchSize)
                for (key, value) in results { logs["val_" + key] = value }
            }
            history.append(epoch: epoch, logs: logs)
            for callback in all { try callback.onEpochEnd(epoch, logs: logs, model: self) }
            if stopTraining { break }
        }
        for callback in all { try callback.onTrainEnd(model: self, history: history) }
        return history
    }

    /// Loss and metrics over `(x, y)` in inference mode, as Keras's `evaluate`
    /// (keys `loss` and each metric's name). The loss includes regularisation, as Keras's does.
    public func evaluate(x: Tensor, y: Tensor, batchSize: Int = 32) throws -> [String: Double] {
        try CallerState.preserving {
            let chunk = batchSize > 0 ? inferenceChunks.batch(for: batchSize) : batchSize
            return try InferenceFusion.withActive(fusionPlan(for: x)) { try arena.run { try arenaEvaluate(x: x, y: y, batchSize: chunk) } }
        }
    }

    private func arenaEvaluate(x: Tensor, y: Tensor, batchSize: Int) throws -> [String: Double] {
        let (_, loss) = try compiled()
        try checkBatches(x, y, batchSize: batchSize, op: "evaluate")
        for metric in metrics { metric.reset() }
        let count = x.shape[0]
        var lossSum = 0.0
        var regularization = 0.0
        for parameter in trainingParameters {
            if let regularizer = parameter.regularizer { regularization += Double(regularizer.loss(parameter.value)) }
        }
        // Under MPI each rank evaluates its own contiguous part and the sums are added up.
        let job = try DataParallel.current()
        let part = job?.share(of: count) ?? 0..<count
        var first = part.lowerBound
        while first < part.upperBound {
            let range = first..<min(first + batchSize, part.upperBound)
            let prediction = try self(x.slice(batch: range), training: false)
            let yb = y.slice(batch: range)
            lossSum += (Double(try loss(yb, prediction).scalar) + regularization) * Double(range.count)
            for metric in metrics { try metric.update(yb, prediction) }
            first = range.upperBound
        }
        if let job { return try reduceLogs(lossSum: lossSum, seen: part.count, stop: false, job: job).logs }
        var results = ["loss": lossSum / Double(max(count, 1))]
        for metric in metrics { results[metric.name] = metric.result }
        return results
    }

    /// The model's outputs for every sample of `x`, in order, in inference mode. Denormals
    /// are flushed on the calling thread and OpenBLAS runs on one thread during the call;
    /// both are the caller's again when it returns (``CallerState``). A network bound by
    /// memory (Inception10) runs a large `batchSize` in smaller chunks that stay in cache
    /// (``InferenceChunks``); `evaluate` does the same.
    public func predict(_ x: Tensor, batchSize: Int = 32) throws -> Tensor {
        try CallerState.preserving {
            let chunk = batchSize > 0 ? inferenceChunks.batch(for: batchSize) : batchSize
            return try InferenceFusion.withActive(fusionPlan(for: x)) { try arena.run(inference: true) { try arenaPredict(x, batchSize: chunk) } }
        }
    }

    private func arenaPredict(_ x: Tensor, batchSize: Int) throws -> Tensor {
        guard batchSize > 0 else { throw SwiftCNNError("predict: batch size must be positive, got \(batchSize)") }
        guard x.rank >= 1, x.shape[0] > 0 else { throw SwiftCNNError("predict: no samples in input of shape \(describe(x.shape))") }
        let count = x.shape[0]
        var outputs: Tensor?
        var first = 0
        while first < count {
            let range = first..<min(first + batchSize, count)
            let batch = try self(x.slice(batch: range), training: false)
            if outputs == nil {
                outputs = Tensor(uninitializedShape: Shapes.replacing(0, of: batch.shape, with: count))
            }
            let per = batch.count / range.count
            (outputs!.pointer + range.lowerBound * per).update(from: batch.pointer, count: batch.count)
            first = range.upperBound
        }
        return outputs!
    }

    func compiled() throws -> (Optimizer, Loss) {
        guard let optimizer, let loss else {
            throw SwiftCNNError("\(displayName): call compile(optimizer:loss:metrics:) before training or evaluating")
        }
        return (optimizer, loss)
    }
}

private func checkBatches(_ x: Tensor, _ y: Tensor, batchSize: Int, op: String) throws {
    guard batchSize > 0 else { throw SwiftCNNError("\(op): batch size must be positive, got \(batchSize)") }
    guard x.rank >= 1, y.rank >= 1, x.shape[0] > 0 else {
        throw SwiftCNNError("\(op): no samples (x \(describe(x.shape)), y \(describe(y.shape)))")
    }
    guard x.shape[0] == y.shape[0] else {
        throw SwiftCNNError("\(op): x has \(x.shape[0]) samples but y has \(y.shape[0]) (x \(describe(x.shape)), y \(describe(y.shape)))")
    }
}
