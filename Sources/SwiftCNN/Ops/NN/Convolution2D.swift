import CSwiftCNNSupport

/// 2-D convolution as a function, as `tf.nn.conv2d` / `keras.ops.conv`: NHWC `input`, a
/// `[kh, kw, in, out]` `kernel`, an optional `[out]` `bias`. With `.same` padding the output
/// has `ceil(input / stride)` positions and TensorFlow's pad split (the odd pixel goes
/// bottom/right); with `.valid`, `ceil((input − kernel + 1) / stride)`. `Conv2D` calls it.
public func conv2d(
    _ input: some TensorOperand, _ kernel: some TensorOperand, bias: (any TensorOperand)? = nil,
    strides: Size2D = 1, padding: Padding = .valid
) throws -> Tensor {
    try conv2d(input.operand, kernel.operand, bias: bias?.operand, strides: strides, padding: padding, op: "conv2d")
}

/// `conv2d` on tensors, naming `op` (a layer's display name) in its errors.
func conv2d(
    _ input: Tensor, _ kernel: Tensor, bias: Tensor?, strides: Size2D, padding: Padding, op: String
) throws -> Tensor {
    let shape = try convolutionShape(input, kernel, bias: bias, strides: strides, padding: padding, op: op)
    let window = shape.window
    var output = Tensor(uninitializedShape: Shapes.of(shape.images, window.rows.output, window.cols.output, shape.filters))
    WorkspaceLender.shared.borrow { workspaces in
        Convolution.forward(
            input: input.pointer, kernel: kernel.pointer, bias: bias?.pointer,
            output: output.pointer, shape: shape, workspaces: workspaces)
    }
    output.record(ConvolutionGradient.shared, input, kernel, bias)?.saved = .convolution(
        input: input.detached, kernel: kernel.detached, shape: shape)
    return output
}

/// Inference only (nothing is recorded): `prologue` over the input if any, `conv2d`, then
/// `normalization` with its moving statistics (and max(·, 0) when `rectify`) or `activation`,
/// then `pool` if any, image by image
/// (``Convolution/forwardPooled(input:kernel:bias:output:shape:epilogue:workspaces:)``).
/// Nil when the convolution's kernel does not work image by image or a pool does not fit;
/// the caller then runs the layers one by one.
func conv2dPooled(
    _ input: Tensor, _ kernel: Tensor, bias: Tensor?, strides: Size2D, padding: Padding, op: String,
    normalization: BatchNormalization?, rectify: Bool, activation: ActivationFunction, pool: MaxPool2D?,
    prologue: MaxPool2D? = nil
) throws -> Tensor? {
    let shape = try convolutionShape(input, kernel, bias: bias, strides: strides, padding: padding, op: op)
    guard pool != nil || prologue != nil, Convolution.poolsPerImage(shape, after: pool != nil),
        ConvolutionEpilogue.supports(activation)
    else { return nil }
    func poolShape(_ pool: MaxPool2D, height: Int, width: Int, channels: Int) -> swiftcnn_conv_shape? {
        guard pool.poolSize.isValid, pool.strides.isValid else { return nil }
        let window = Window2D(height: height, width: width, window: pool.poolSize.pair, strides: pool.strides.pair, padding: pool.padding)
        guard window.rows.output > 0, window.cols.output > 0 else { return nil }
        return poolingShape(window, channels: channels)
    }
    var (height, width) = (shape.window.rows.output, shape.window.cols.output)
    var after: swiftcnn_conv_shape?
    if let pool {
        guard let poolShape = poolShape(pool, height: height, width: width, channels: shape.filters) else { return nil }
        (after, height, width) = (poolShape, poolShape.outputHeight, poolShape.outputWidth)
    }
    var before: swiftcnn_conv_shape?
    if let prologue {
        let (h, w) = (shape.window.rows.input, shape.window.cols.input)
        guard let poolShape = poolShape(prologue, height: h, width: w, channels: shape.channels),
            poolShape.outputHeight == h, poolShape.outputWidth == w
        else { return nil }
        before = poolShape
    }
    let epilogue = ConvolutionEpilogue(
        affine: try normalization?.expandedInferenceAffine(channels: shape.filters), rectify: rectify,
        activation: normalization == nil ? activation : .linear, pool: after, prologue: before)
    let output = Tensor(uninitializedShape: Shapes.of(shape.images, height, width, shape.filters))
    WorkspaceLender.shared.borrow { workspaces in
        Convolution.forwardPooled(
            input: input.pointer, kernel: kernel.pointer, bias: bias?.pointer, output: output.pointer, shape: shape,
            epilogue: epilogue, workspaces: workspaces)
    }
    return output
}

/// The checked geometry of `conv2d`'s arguments.
private func convolutionShape(
    _ input: Tensor, _ kernel: Tensor, bias: Tensor?, strides: Size2D, padding: Padding, op: String
) throws -> ConvolutionShape {
    guard input.rank == 4 else {
        throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input.shape))")
    }
    guard kernel.rank == 4, kernel.shape.allSatisfy({ $0 > 0 }) else {
        throw SwiftCNNError("\(op): the kernel must be 4-D [height, width, in, out] and non-empty, got \(describe(kernel.shape))")
    }
    guard strides.isValid else { throw SwiftCNNError("\(op): strides must be positive, got \(strides.pair)") }
    let (channels, filters) = (input.shape[3], kernel.shape[3])
    guard kernel.shape[2] == channels else {
        throw SwiftCNNError(
            "\(op): input shape \(describe(input.shape)) has \(channels) channels but the kernel \(describe(kernel.shape)) expects \(kernel.shape[2])")
    }
    if let bias, bias.rank != 1 || bias.shape[0] != filters {
        throw SwiftCNNError("\(op): the bias must have shape [\(filters)], got \(describe(bias.shape))")
    }
    let window = Window2D(
        height: input.shape[1], width: input.shape[2], window: (kernel.shape[0], kernel.shape[1]),
        strides: strides.pair, padding: padding)
    guard window.rows.output > 0, window.cols.output > 0 else {
        throw SwiftCNNError(
            "\(op): input shape \(describe(input.shape)) is smaller than the kernel \((kernel.shape[0], kernel.shape[1])) with valid padding")
    }
    return ConvolutionShape(images: input.shape[0], channels: channels, filters: filters, window: window)
}

/// The gradients of a convolution's input, kernel and bias. Inputs: input, kernel, bias.
final class ConvolutionGradient: BackwardRule, Sendable {
    static let shared = ConvolutionGradient()

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .convolution(input, kernel, shape) = node.saved else { throw SavedForBackward.mismatch("conv2d") }
        let gradKernel = Tensor(uninitializedShape: kernel.shape)
        let gradBias = node.needsGradient(2) ? Tensor(uninitializedShape: Shapes.of(shape.filters)) : nil
        // A 1×1 layer adds its input gradient into one another consumer of the input has
        // sent already (an Inception block's branches), with SGEMM's beta = 1.
        let target = shape.isPointwise ? node.accumulator(forInput: 0, shape: input.shape) : nil
        let gradInput = target == nil && node.needsGradient(0) ? Tensor(uninitializedShape: input.shape) : nil
        WorkspaceLender.shared.borrow { workspaces in
            Convolution.backward(
                input: input.pointer, kernel: kernel.pointer, gradOutput: gradOutput.pointer,
                gradInput: target ?? gradInput?.pointer, gradKernel: gradKernel.pointer,
                gradBias: gradBias?.pointer, shape: shape, workspaces: workspaces, accumulateInput: target != nil)
        }
        if let gradInput { node.send(gradInput, toInput: 0, exclusive: true) }
        node.send(gradKernel, toInput: 1)
        if let gradBias { node.send(gradBias, toInput: 2) }
    }
}
