/// A transposed 2-D convolution over NHWC images (often called deconvolution), as Keras's
/// `Conv2DTranspose`: it spreads each input pixel over a kernel-sized patch of the output,
/// growing the image by `strides`. Output size: `input · stride` with `same` padding,
/// `(input − 1) · stride + max(kernel, stride)` with `valid`.
///
/// The kernel has Keras's shape `[kh, kw, filters, channels]`.
public final class Conv2DTranspose: Layer {
    /// Output channels.
    public let filters: Int
    /// Kernel height and width.
    public let kernelSize: Size2D
    /// The factor the image grows by.
    public let strides: Size2D
    /// `valid` or `same`.
    public let padding: Padding
    /// Applied to the output (`linear`: none).
    public let activation: ActivationFunction
    /// Whether a bias is added to each output channel.
    public let useBias: Bool
    /// How the kernel is filled when built (Glorot-uniform, as Keras).
    public let kernelInitializer: Initializer
    /// An optional penalty on the kernel, added to the loss.
    public let kernelRegularizer: Regularizer?
    /// The kernel `[kh, kw, filters, channels]`.
    public private(set) var kernel: Parameter?
    /// The bias `[filters]` (nil when `useBias` is false).
    public private(set) var bias: Parameter?
    private let rule: TransposedConvolutionGradient

    /// Keras's `Conv2DTranspose(filters, kernel_size, strides, padding, activation, use_bias,
    /// kernel_initializer, kernel_regularizer)`, with its defaults (`output_padding` None).
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
        rule = TransposedConvolutionGradient(strides: strides, padding: padding)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard filters > 0, kernelSize.isValid, strides.isValid else {
            throw shapeError(
                "filters, kernel size and strides must be positive (filters \(filters), kernel \(kernelSize.pair), strides \(strides.pair))")
        }
        guard input.rank == 4 else { throw shapeError("expected a 4-D NHWC input, got shape \(describe(input.shape))") }
        if kernel == nil {
            // Keras's fans for this shape: fan_in = filters·kh·kw, fan_out = channels·kh·kw.
            let shape = [kernelSize.height, kernelSize.width, filters, input.shape[3]]
            kernel = Parameter(
                name: "kernel", value: kernelInitializer.make(shape, random: &random), regularizer: kernelRegularizer)
            if useBias { bias = Parameter(name: "bias", value: .zeros([filters])) }
        }
        guard let kernel else { throw shapeError("kernel was not built") }
        let tracked = training || input.requiresGradient
        let output = try conv2dTranspose(
            input, kernel: kernel.read(training: tracked), bias: useBias ? bias?.read(training: tracked) : nil, rule: rule,
            op: displayName)
        return activation.apply(output)
    }
}
