/// A depthwise 2-D convolution over NHWC images, as Keras's `DepthwiseConv2D`: each input
/// channel gets its own `depthMultiplier` filters, so the output has
/// `channels · depthMultiplier` channels. Output size and padding are `Conv2D`'s.
///
/// Its kernel is Keras 3's `kernel` `[kh, kw, channels, depthMultiplier]` (tf-keras called
/// it `depthwise_kernel`), built on the first call from the input's channel count.
public final class DepthwiseConv2D: Layer {
    /// Kernel height and width.
    public let kernelSize: Size2D
    /// How far the kernel moves between outputs.
    public let strides: Size2D
    /// `valid` or `same`.
    public let padding: Padding
    /// Filters per input channel.
    public let depthMultiplier: Int
    /// Applied to the output (`linear`: none).
    public let activation: ActivationFunction
    /// Whether a bias is added to each output channel.
    public let useBias: Bool
    /// How the kernel is filled when built (Glorot-uniform, as Keras).
    public let depthwiseInitializer: Initializer
    /// An optional penalty on the kernel, added to the loss.
    public let depthwiseRegularizer: Regularizer?
    /// The kernel `[kh, kw, channels, depthMultiplier]`.
    public private(set) var kernel: Parameter?
    /// The bias `[channels · depthMultiplier]` (nil when `useBias` is false).
    public private(set) var bias: Parameter?
    private let rule: DepthwiseConvolutionGradient

    /// Keras's `DepthwiseConv2D(kernel_size, strides, padding, depth_multiplier, activation,
    /// use_bias, depthwise_initializer, depthwise_regularizer)`, with its defaults.
    public init(
        kernelSize: Size2D, strides: Size2D = 1, padding: Padding = .valid, depthMultiplier: Int = 1,
        activation: ActivationFunction = .linear, useBias: Bool = true,
        depthwiseInitializer: Initializer = .glorotUniform, depthwiseRegularizer: Regularizer? = nil
    ) {
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.depthMultiplier = depthMultiplier
        self.activation = activation
        self.useBias = useBias
        self.depthwiseInitializer = depthwiseInitializer
        self.depthwiseRegularizer = depthwiseRegularizer
        rule = DepthwiseConvolutionGradient(strides: strides, padding: padding)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard depthMultiplier > 0, kernelSize.isValid, strides.isValid else {
            throw shapeError(
                "depth multiplier, kernel size and strides must be positive (multiplier \(depthMultiplier), kernel \(kernelSize.pair), strides \(strides.pair))")
        }
        guard input.rank == 4 else { throw shapeError("expected a 4-D NHWC input, got shape \(describe(input.shape))") }
        if kernel == nil {
            let shape = [kernelSize.height, kernelSize.width, input.shape[3], depthMultiplier]
            kernel = Parameter(
                name: "kernel", value: depthwiseInitializer.make(shape, random: &random), regularizer: depthwiseRegularizer)
            if useBias { bias = Parameter(name: "bias", value: .zeros([input.shape[3] * depthMultiplier])) }
        }
        guard let kernel else { throw shapeError("kernel was not built") }
        let kernelValue = kernel.read(training: training || input.requiresGradient)
        let biasValue = useBias ? bias?.read(training: training || input.requiresGradient) : nil
        let output = try depthwiseConv2d(input, kernel: kernelValue, bias: biasValue, rule: rule, op: displayName)
        return activation.apply(output)
    }
}
