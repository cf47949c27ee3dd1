/// Normalises each channel (the last axis), as Keras's `BatchNormalization`.
///
/// Training normalises with the batch's mean and biased variance and moves the moving
/// statistics towards them: `moving ← moving − (moving − batch) · (1 − momentum)`.
/// Which batch variance feeds the moving variance follows tf-keras 2.21 (TensorFlow 2.21),
/// measured by `Tools/make_keras_fixtures.py`: for 4-D (image) input Keras runs TF's fused
/// kernel, whose variance is Bessel-corrected (`var · n/(n − 1)`, n = N·H·W); for 2-D input
/// it uses the biased variance. Inference uses the moving statistics.
public final class BatchNormalization: Layer {
    public let momentum: Float
    public let epsilon: Float
    public private(set) var gamma: Parameter?
    public private(set) var beta: Parameter?
    public private(set) var movingMean: Parameter?
    public private(set) var movingVariance: Parameter?

    public init(momentum: Float = 0.99, epsilon: Float = 1e-3) {
        self.momentum = momentum
        self.epsilon = epsilon
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
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
        var mean = Tensor(uninitializedShape: [channels])
        var variance = Tensor(uninitializedShape: [channels])
        if training {
            BatchNormKernels.moments(input.pointer, rows: rows, channels: channels, mean: mean.pointer, variance: variance.pointer)
            updateMoving(movingMean, toward: mean)
            if input.rank == 4 && rows > 1 {
                let corrected = variance.scaled(by: Float(rows) / Float(rows - 1))
                updateMoving(movingVariance, toward: corrected)
            } else {
                updateMoving(movingVariance, toward: variance)
            }
        } else {
            mean = movingMean.value
            variance = movingVariance.value
        }
        let invStd = Tensor(uninitializedShape: [channels])
        let scale = Tensor(uninitializedShape: [channels])
        let shift = Tensor(uninitializedShape: [channels])
        for c in 0..<channels {
            invStd.pointer[c] = 1 / (variance.pointer[c] + epsilon).squareRoot()
            scale.pointer[c] = gammaValue.pointer[c] * invStd.pointer[c]
            shift.pointer[c] = betaValue.pointer[c] - mean.pointer[c] * scale.pointer[c]
        }
        var output = Tensor(uninitializedShape: input.shape)
        BatchNormKernels.normalize(
            input.pointer, rows: rows, channels: channels, scale: scale.pointer, shift: shift.pointer,
            output: output.pointer)
        let usesBatchStatistics = training
        let needsInputGradient = input.requiresGradient
        let batchMean = mean
        output.record([input, gammaValue, betaValue]) { gradOutput in
            let gradGamma = Tensor(uninitializedShape: [channels])
            let gradBeta = Tensor(uninitializedShape: [channels])
            BatchNormKernels.gradientSums(
                x: input.pointer, gradOutput: gradOutput.pointer, rows: rows, channels: channels,
                mean: batchMean.pointer, invStd: invStd.pointer,
                sumDy: gradBeta.pointer, sumDyXhat: gradGamma.pointer)
            guard needsInputGradient else { return [nil, gradGamma, gradBeta] }
            let gradInput = Tensor(uninitializedShape: input.shape)
            if usesBatchStatistics {
                BatchNormKernels.inputGradientTraining(
                    x: input.pointer, gradOutput: gradOutput.pointer, rows: rows, channels: channels,
                    mean: batchMean.pointer, invStd: invStd.pointer, gamma: gammaValue.pointer,
                    sumDy: gradBeta.pointer, sumDyXhat: gradGamma.pointer, gradInput: gradInput.pointer)
            } else {
                // Fixed statistics: the layer is an affine map per channel.
                var (src, dst) = (gradOutput.pointer, gradInput.pointer)
                for _ in 0..<rows {
                    for c in 0..<channels { dst[c] = src[c] * scale.pointer[c] }
                    src += channels
                    dst += channels
                }
            }
            return [gradInput, gradGamma, gradBeta]
        }
        return output
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
