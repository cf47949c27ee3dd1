/// Normalises each channel (the last axis), as Keras's `BatchNormalization`.
///
/// Training normalises with the batch's mean and biased variance and moves the moving
/// statistics towards them: `moving ← moving − (moving − batch) · (1 − momentum)`.
/// Which batch variance feeds the moving variance follows tf-keras 2.21 (TensorFlow 2.21),
/// measured by `Tools/make_keras_fixtures.py`: for 4-D (image) input Keras runs TF's fused
/// kernel, whose variance is Bessel-corrected (`var · n/(n − 1)`, n = N·H·W); for 2-D input
/// it uses the biased variance. Inference uses the moving statistics.
///
/// Under data-parallel training each rank normalises with its own samples' statistics by
/// default, as Keras's MirroredStrategy does; `synchronized: true` (Keras's
/// `BatchNormalization(synchronized=True)`) uses the statistics of every rank's samples,
/// adding up the per-channel sums over the ranks in the forward and the backward pass.
public final class BatchNormalization: Layer {
    /// Weight of the old value in the moving averages (Keras's default 0.99).
    public let momentum: Float
    /// Added to the variance before the square root (Keras's default 1e-3).
    public let epsilon: Float
    /// Whether training statistics are the whole global batch's under MPI.
    public var synchronized: Bool
    /// The learned per-channel scale (built on the first call).
    public private(set) var gamma: Parameter?
    /// The learned per-channel shift (built on the first call).
    public private(set) var beta: Parameter?
    /// The moving average of the batch means, used at inference (not trainable).
    public private(set) var movingMean: Parameter?
    /// The moving average of the batch variances, used at inference (not trainable).
    public private(set) var movingVariance: Parameter?
    /// Partial sums of the per-channel reductions, reused across steps.
    private let scratch = Workspace()
    private lazy var batchStatisticsGradient = BatchNormGradient(usesBatchStatistics: true, scratch: scratch)
    private lazy var fixedStatisticsGradient = BatchNormGradient(usesBatchStatistics: false, scratch: scratch)

    /// Keras's `BatchNormalization(momentum, epsilon)` over the last (channel) axis;
    /// `synchronized` as Keras's `synchronized=True` under MPI.
    public init(momentum: Float = 0.99, epsilon: Float = 1e-3, synchronized: Bool = false) {
        self.momentum = momentum
        self.epsilon = epsilon
        self.synchronized = synchronized
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        if !training, let plan = InferenceFusion.active, plan.passesThrough(self, input) { return input }
        guard input.rank >= 2, let channels = input.shape.last, channels > 0 else {
            throw shapeError("expected an input of rank 2 or more, got shape \(describe(input.shape))")
        }
        if gamma == nil { build(channels: channels) }
        guard let gamma, let beta, let movingMean, let movingVariance else {
            throw shapeError("variables were not built")
        }
        guard gamma.count == channels else {
            throw shapeError("input shape \(describe(input.shape)) has \(channels) channels but the layer was built for \(gamma.count)")
        }
        let rows = input.count / channels
        let gammaValue = gamma.read(training: training || input.requiresGradient)
        let betaValue = beta.read(training: training || input.requiresGradient)
        let channelShape = gamma.shape
        var mean = Tensor(uninitializedShape: channelShape)
        var variance = Tensor(uninitializedShape: channelShape)
        let job = synchronized && training ? try DataParallel.current() : nil
        var totalRows = rows
        if training {
            BatchNormKernels.moments(
                input.pointer, rows: rows, channels: channels, mean: mean.pointer, variance: variance.pointer,
                scratch: scratch)
            if let job { totalRows = try Self.combine(mean: &mean, variance: &variance, rows: rows, job: job) }
            updateMoving(movingMean, toward: mean)
            if input.rank == 4 && totalRows > 1 {
                let corrected = variance.scaled(by: Float(totalRows) / Float(totalRows - 1))
                updateMoving(movingVariance, toward: corrected)
            } else {
                updateMoving(movingVariance, toward: variance)
            }
        } else {
            mean = movingMean.value
            variance = movingVariance.value
        }
        let invStd = Tensor(uninitializedShape: channelShape)
        let scale = Tensor(uninitializedShape: channelShape)
        let shift = Tensor(uninitializedShape: channelShape)
        for c in 0..<channels {
            invStd.pointer[c] = 1 / (variance.pointer[c] + epsilon).squareRoot()
            scale.pointer[c] = gammaValue.pointer[c] * invStd.pointer[c]
            shift.pointer[c] = betaValue.pointer[c] - mean.pointer[c] * scale.pointer[c]
        }
        var output = Tensor(uninitializedShape: input.shape)
        BatchNormKernels.normalize(
            input.pointer, rows: rows, channels: channels, scale: scale.pointer, shift: shift.pointer,
            output: output.pointer, scratch: scratch)
        let rule = training ? batchStatisticsGradient : fixedStatisticsGradient
        output.record(rule, input, gammaValue, betaValue)?.saved = .batchNormalization(
            input: input.detached, gamma: gammaValue.detached, mean: mean.detached, inverseStd: invStd.detached,
            scale: scale.detached, totalRows: job != nil ? totalRows : nil)
        return output
    }

    /// Inference on `y` in place with the moving statistics, then max(·, 0) when `relu`:
    /// the fused step of a Conv2D → BatchNormalization (→ ReLU) chain (``InferenceFusion``),
    /// on the convolution's fresh output. The same scale and shift as ``call(_:training:)``.
    func normalizeInPlace(_ y: Tensor, relu: Bool) throws {
        guard y.rank >= 2, let channels = y.shape.last else { throw shapeError("cannot normalise an input of shape \(describe(y.shape))") }
        let (scale, shift) = try inferenceScaleShift(channels: channels)
        BatchNormKernels.normalizeInPlace(
            y.pointer, rows: y.count / channels, channels: channels, scale: scale.pointer, shift: shift.pointer, relu: relu,
            scratch: scratch)
    }

    /// The inference scale and shift, expanded to the affine kernels' period in this
    /// layer's scratch (valid until the layer runs again): what a fused convolution
    /// applies to each image's output before pooling it.
    func expandedInferenceAffine(channels: Int) throws -> (period: Int, expanded: UnsafePointer<Float>) {
        let (scale, shift) = try inferenceScaleShift(channels: channels)
        let (period, expanded) = BatchNormKernels.expandedAffine(
            scale: scale.pointer, shift: shift.pointer, channels: channels, scratch: scratch)
        return (period, UnsafePointer(expanded))
    }

    /// γ / √(σ² + ε) and β − μ · that, per channel, from the moving statistics.
    private func inferenceScaleShift(channels: Int) throws -> (scale: Tensor, shift: Tensor) {
        guard let gamma, let beta, let movingMean, let movingVariance, gamma.count == channels else {
            throw shapeError("cannot normalise \(channels) channels")
        }
        let scale = Tensor(uninitializedShape: gamma.shape)
        let shift = Tensor(uninitializedShape: gamma.shape)
        let (g, b, mean, variance) = (gamma.value.pointer, beta.value.pointer, movingMean.value.pointer, movingVariance.value.pointer)
        for c in 0..<channels {
            let invStd = 1 / (variance[c] + epsilon).squareRoot()
            scale.pointer[c] = g[c] * invStd
            shift.pointer[c] = b[c] - mean[c] * scale.pointer[c]
        }
        return (scale, shift)
    }

    /// The moments of every rank's rows from each rank's `mean`, `variance` and `rows`
    /// (sums of x and x² per channel, added up in double precision); returns all ranks' rows.
    private static func combine(mean: inout Tensor, variance: inout Tensor, rows: Int, job: DataParallel) throws -> Int {
        let channels = mean.count
        var sums = [Double](repeating: 0, count: 2 * channels + 1)
        for c in 0..<channels {
            let m = Double(mean.pointer[c])
            sums[c] = m * Double(rows)
            sums[channels + c] = (Double(variance.pointer[c]) + m * m) * Double(rows)
        }
        sums[2 * channels] = Double(rows)
        try job.sum(&sums, what: "synchronised batch norm's statistics")
        let total = sums[2 * channels]
        mean = Tensor(uninitializedShape: mean.shape)
        variance = Tensor(uninitializedShape: variance.shape)
        for c in 0..<channels {
            let m = sums[c] / max(total, 1)
            mean.pointer[c] = Float(m)
            variance.pointer[c] = Float(max(sums[channels + c] / max(total, 1) - m * m, 0))
        }
        return Int(total.rounded())
    }

    private func updateMoving(_ parameter: Parameter, toward batch: Tensor) {
        let decay = 1 - momentum
        parameter.value.withUnsafeMutableBufferPointer { moving in
            for c in 0..<moving.count { moving[c] -= (moving[c] - batch.pointer[c]) * decay }
        }
    }

    private func build(channels: Int) {
        gamma = Parameter(name: "gamma", value: Tensor(shape: [channels], repeating: 1))
        beta = Parameter(name: "beta", value: .zeros([channels]))
        movingMean = Parameter(name: "moving_mean", value: .zeros([channels]), trainable: false)
        movingVariance = Parameter(name: "moving_variance", value: Tensor(shape: [channels], repeating: 1), trainable: false)
    }
}

/// Batch normalisation's backward, with the batch's statistics (training) or fixed ones.
/// Inputs: input, gamma, beta.
final class BatchNormGradient: BackwardRule {
    let usesBatchStatistics: Bool
    /// The layer's scratch for the gradient's per-channel sums.
    private let scratch: Workspace

    init(usesBatchStatistics: Bool, scratch: Workspace) {
        self.usesBatchStatistics = usesBatchStatistics
        self.scratch = scratch
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .batchNormalization(input, gammaValue, mean, invStd, scale, totalRows) = node.saved else {
            throw SavedForBackward.mismatch("BatchNormalization")
        }
        let channels = gammaValue.count
        let rows = input.count / channels
        let gradGamma = Tensor(uninitializedShape: gammaValue.shape)
        let gradBeta = Tensor(uninitializedShape: gammaValue.shape)
        BatchNormKernels.gradientSums(
            x: input.pointer, gradOutput: gradOutput.pointer, rows: rows, channels: channels,
            mean: mean.pointer, invStd: invStd.pointer,
            sumDy: gradBeta.pointer, sumDyXhat: gradGamma.pointer, scratch: scratch)
        if node.needsGradient(0) {
            let gradInput = Tensor(uninitializedShape: input.shape)
            if usesBatchStatistics, let totalRows, let job = try DataParallel.current() {
                // Synchronised: the input's gradient needs every rank's sums; gamma's and
                // beta's stay this rank's own (the gradient all-reduce adds those up).
                var sums = Tensor(uninitializedShape: [2 * channels])
                sums.pointer.update(from: gradBeta.pointer, count: channels)
                (sums.pointer + channels).update(from: gradGamma.pointer, count: channels)
                try job.sum(sums.pointer, count: 2 * channels, what: "synchronised batch norm's gradient sums")
                BatchNormKernels.inputGradientTraining(
                    x: input.pointer, gradOutput: gradOutput.pointer, rows: rows, channels: channels,
                    mean: mean.pointer, invStd: invStd.pointer, gamma: gammaValue.pointer,
                    sumDy: sums.pointer, sumDyXhat: sums.pointer + channels, gradInput: gradInput.pointer,
                    scratch: scratch, totalRows: totalRows)
            } else if usesBatchStatistics {
                BatchNormKernels.inputGradientTraining(
                    x: input.pointer, gradOutput: gradOutput.pointer, rows: rows, channels: channels,
                    mean: mean.pointer, invStd: invStd.pointer, gamma: gammaValue.pointer,
                    sumDy: gradBeta.pointer, sumDyXhat: gradGamma.pointer, gradInput: gradInput.pointer,
                    scratch: scratch)
            } else {
                // Fixed statistics: the layer is an affine map per channel.
                var (src, dst) = (gradOutput.pointer, gradInput.pointer)
                for _ in 0..<rows {
                    for c in 0..<channels { dst[c] = src[c] * scale.pointer[c] }
                    src += channels
                    dst += channels
                }
            }
            node.send(gradInput, toInput: 0, exclusive: true)
        }
        node.send(gradGamma, toInput: 1)
        node.send(gradBeta, toInput: 2)
    }
}
