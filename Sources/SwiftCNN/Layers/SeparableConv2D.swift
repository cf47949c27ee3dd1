/// A depthwise-separable 2-D convolution, as Keras's `SeparableConv2D`: a depthwise
/// convolution (`depthMultiplier` filters per channel) and then a 1×1 convolution to
/// `filters` channels, plus the bias. Far fewer weights than a `Conv2D` of the same size.
public final class SeparableConv2D: Layer {
    /// Output channels.
    public let filters: Int
    /// Depthwise kernel height and width.
    public let kernelSize: Size2D
    /// How far the depthwise kernel moves between outputs.
    public let strides: Size2D
    /// `valid` or `same`.
    public let padding: Padding
    /// Depthwise filters per input channel.
    public let depthMultiplier: Int
    /// Applied to the output (`linear`: none).
    public let activation: ActivationFunction
    /// Whether a bias is added to each output channel.
    public let useBias: Bool
    /// How both kernels are filled when built (Glorot-uniform, as Keras).
    public let depthwiseInitializer: Initializer
    public let pointwiseInitializer: Initializer
    /// `[kh, kw, channels, depthMultiplier]`, Keras's `depthwise_kernel`.
    public private(set) var depthwiseKernel: Parameter?
    /// `[1, 1, channels · depthMultiplier, filters]`, Keras's `pointwise_kernel`.
    public private(set) var pointwiseKernel: Parameter?
    /// `[filters]` (nil when `useBias` is false).
    public private(set) var bias: Parameter?
    private let rule: DepthwiseConvolutionGradient

    /// Keras's `SeparableConv2D(filters, kernel_size, strides, padding, depth_multiplier,
    /// activation, use_bias, depthwise_initializer, pointwise_initializer)`, with its defaults.
    public init(
        _ filters: Int, kernelSize: Size2D, strides: Size2D = 1, padding: Padding = .valid, depthMultiplier: Int = 1,
        activation: ActivationFunction = .linear, useBias: Bool = true,
        depthwiseInitializer: Initializer = .glorotUniform, pointwiseInitializer: Initializer = .glorotUniform
    ) {
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.depthMultiplier = depthMultiplier
        self.activation = activation
        self.useBias = useBias
        self.depthwiseInitializer = depthwiseInitializer
        self.pointwiseInitializer = pointwiseInitializer
        rule = DepthwiseConvolutionGradient(strides: strides, padding: padding)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard filters > 0, depthMultiplier > 0, kernelSize.isValid, strides.isValid else {
            throw shapeError(
                "filters, depth multiplier, kernel size and strides must be positive (filters \(filters), multiplier \(depthMultiplier), kernel \(kernelSize.pair), strides \(strides.pair))")
        }
        guard input.rank == 4 else { throw shapeError("expected a 4-D NHWC input, got shape \(describe(input.shape))") }
        if depthwiseKernel == nil {
            let channels = input.shape[3]
            depthwiseKernel = Parameter(
                name: "depthwise_kernel",
                value: depthwiseInitializer.make([kernelSize.height, kernelSize.width, channels, depthMultiplier], random: &random))
            pointwiseKernel = Parameter(
                name: "pointwise_kernel",
                value: pointwiseInitializer.make([1, 1, channels * depthMultiplier, filters], random: &random))
            if useBias { bias = Parameter(name: "bias", value: .zeros([filters])) }
        }
        guard let depthwiseKernel, let pointwiseKernel else { throw shapeError("kernels were not built") }
        let tracked = training || input.requiresGradient
        let output = try separableConv2d(
            input, depthwiseKernel: depthwiseKernel.read(training: tracked),
            pointwiseKernel: pointwiseKernel.read(training: tracked),
            bias: useBias ? bias?.read(training: tracked) : nil, rule: rule, op: displayName)
        return activation.apply(output)
    }
}
