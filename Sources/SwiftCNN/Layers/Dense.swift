import CSwiftCNNSupport

/// A fully connected layer, `activation(x · kernel + bias)`, as Keras's `Dense`.
/// The kernel `[inputs, units]` is created on the first call.
public final class Dense: Layer {
    /// Number of outputs.
    public let units: Int
    /// Applied to the output (`linear`: none).
    public let activation: ActivationFunction
    /// Whether a bias is added to each output.
    public let useBias: Bool
    /// How the kernel is filled when built (Glorot-uniform by default, as Keras).
    public let kernelInitializer: Initializer
    /// An optional penalty on the kernel, added to the loss.
    public let kernelRegularizer: Regularizer?
    /// The kernel `[in, units]`, built on the first call from the input's width.
    public private(set) var kernel: Parameter?
    /// The bias `[units]` (nil when `useBias` is false).
    public private(set) var bias: Parameter?

    /// Keras's `Dense(units, activation, use_bias, kernel_initializer,
    /// kernel_regularizer)`.
    public init(
        _ units: Int, activation: ActivationFunction = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, kernelRegularizer: Regularizer? = nil
    ) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.kernelRegularizer = kernelRegularizer
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard units > 0 else { throw shapeError("units must be positive, got \(units)") }
        guard input.rank == 2 else {
            throw shapeError("expected a 2-D input [batch, features], got shape \(describe(input.shape)); add a Flatten layer before it")
        }
        let (batch, features) = (input.shape[0], input.shape[1])
        if kernel == nil {
            kernel = Parameter(
                name: "kernel", value: kernelInitializer.make([features, units], random: &random),
                regularizer: kernelRegularizer)
            if useBias { bias = Parameter(name: "bias", value: .zeros([units])) }
        }
        guard let kernel else { throw shapeError("kernel was not built") }
        guard kernel.shape[0] == features else {
            throw shapeError("input shape \(describe(input.shape)) has \(features) features but the kernel \(describe(kernel.shape)) expects \(kernel.shape[0])")
        }
        let kernelValue = kernel.read(training: training || input.requiresGradient)
        let biasValue = bias?.read(training: training || input.requiresGradient)
        var output = Tensor(uninitializedShape: Shapes.of(batch, units))
        DenseKernels.forward(input.pointer, kernelValue.pointer, into: output.pointer, batch: batch, features: features, units: units)
        if let biasValue { swiftcnn_add_rows(output.pointer, biasValue.pointer, batch, units) }
        output.record(self, input, kernelValue, biasValue)?.saved = .dense(input: input.detached, kernel: kernelValue.detached)
        return activation.apply(output)
    }
}

extension Dense: BackwardRule {
    /// Inputs: input, kernel, bias.
    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .dense(input, kernelValue) = node.saved else { throw SavedForBackward.mismatch("Dense") }
        let (batch, features, units) = (input.shape[0], input.shape[1], self.units)
        let gradKernel = Tensor(uninitializedShape: kernelValue.shape)
        DenseKernels.kernelGradient(input.pointer, gradOutput.pointer, into: gradKernel.pointer, batch: batch, features: features, units: units)
        var gradBias: Tensor?
        if node.needsGradient(2) {
            let sums = Tensor(shape: Shapes.of(units), repeating: 0)
            swiftcnn_column_sums(gradOutput.pointer, batch, units, sums.pointer)
            gradBias = sums
        }
        if node.needsGradient(0) {
            let dx = Tensor(uninitializedShape: input.shape)
            DenseKernels.inputGradient(gradOutput.pointer, kernelValue.pointer, into: dx.pointer, batch: batch, features: features, units: units)
            node.send(dx, toInput: 0, exclusive: true)
        }
        node.send(gradKernel, toInput: 1)
        if let gradBias { node.send(gradBias, toInput: 2) }
    }
}
