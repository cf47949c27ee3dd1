/// A 2-D convolution over NHWC images, as Keras's `Conv2D`.
///
/// The kernel has Keras's shape `[kh, kw, inputChannels, filters]` and is created on the
/// first call from the input's channel count. With `.same` padding the output has
/// `ceil(input / stride)` positions and TensorFlow's pad split (the odd pixel goes
/// bottom/right); with `.valid`, `ceil((input − kernel + 1) / stride)`.
public final class Conv2D: Layer {
    /// Number of kernels, and so of output channels.
    public let filters: Int
    /// Kernel height and width.
    public let kernelSize: Size2D
    /// How far the kernel moves between outputs, vertically and horizontally.
    public let strides: Size2D
    /// `valid` (no padding) or `same` (zeros so the output is `ceil(input / stride)`).
    public let padding: Padding
    /// Applied to the output (`linear`: none).
    public let activation: ActivationFunction
    /// Whether a bias is added to each output channel.
    public let useBias: Bool
    /// How the kernel is filled when built (Glorot-uniform by default, as Keras).
    public let kernelInitializer: Initializer
    /// An optional penalty on the kernel, added to the loss.
    public let kernelRegularizer: Regularizer?
    /// The kernel `[kh, kw, in, out]`, built on the first call from the input's channels.
    public private(set) var kernel: Parameter?
    /// The bias `[out]` (nil when `useBias` is false), built with the kernel.
    public private(set) var bias: Parameter?

    /// Keras's `Conv2D(filters, kernel_size, strides, padding, activation, use_bias,
    /// kernel_initializer, kernel_regularizer)`, with its defaults.
    public init(
        _ filters: Int, kernelSize: Size2D, strides: Size2D = 1, padding: Padding = .valid,
        activation: ActivationFunction = .linear, useBias: Bool = true,
        kernelInitializer: Initializer = .glorotUniform, kernelRegularizer: Regularizer? = nil
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.kernelInitializer = kernelInitializer
        self.kernelRegularizer = kernelRegularizer
    }

    /// Keras's tuple spelling: `Conv2D(6, kernelSize: (5, 5), strides: (2, 2))`.
    public convenience init(
        _ filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
        activation: ActivationFunction = .linear, useBias: Bool = true,
        kernelRegularizer: Regularizer? = nil
    ) {
        self.init(
            filters, kernelSize: Size2D(kernelSize), strides: Size2D(strides), padding: padding,
            activation: activation, useBias: useBias, kernelRegularizer: kernelRegularizer)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard filters > 0, kernelSize.isValid, strides.isValid else {
            throw shapeError("filters, kernel size and strides must be positive (filters \(filters), kernel \(kernelSize.pair), strides \(strides.pair))")
        }
        guard input.rank == 4 else {
            throw shapeError("expected a 4-D NHWC input, got shape \(describe(input.shape))")
        }
        if kernel == nil { build(channels: input.shape[3]) }
        guard let kernel else { throw shapeError("kernel was not built") }
        let tracked = training || input.requiresGradient
        var input = input
        let plan = InferenceFusion.active
        // A pooling before this layer that left its work to it (``InferenceFusion``).
        let prologue = plan?.deferredPool(before: self, input)
        let chain = !tracked && !GradientTape.isRecording ? plan?.chain(startingAt: self) : nil
        if let plan, let chain,
            let pooled = try conv2dPooled(
                input, kernel.value, bias: bias?.value, strides: strides, padding: padding, op: displayName,
                normalization: chain.normalization, rectify: chain.activation != nil, activation: activation,
                pool: chain.pool, prologue: prologue)
        {
            plan.mark(pooled, for: chain, pooled: chain.pool != nil)
            return pooled
        }
        if let prologue { input = try prologue.pooling(input) }
        if let plan, let chain {
            var output = try conv2d(
                input, kernel.value, bias: bias?.value, strides: strides, padding: padding, op: displayName)
            if let normalization = chain.normalization {
                try normalization.normalizeInPlace(output, relu: chain.activation != nil)
            } else {
                output = activation.apply(output)
            }
            plan.mark(output, for: chain, pooled: false)
            return output
        }
        let output = try conv2d(
            input, kernel.read(training: tracked), bias: bias?.read(training: tracked), strides: strides,
            padding: padding, op: displayName)
        return activation.apply(output)
    }

    private func build(channels: Int) {
        let shape = [kernelSize.height, kernelSize.width, channels, filters]
        kernel = Parameter(
            name: "kernel", value: kernelInitializer.make(shape, random: &random),
            regularizer: kernelRegularizer)
        if useBias { bias = Parameter(name: "bias", value: .zeros([filters])) }
    }
}
