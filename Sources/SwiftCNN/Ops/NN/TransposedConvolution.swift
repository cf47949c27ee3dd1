/// Transposed 2-D convolution over NHWC images (the gradient of a convolution with respect
/// to its input), as `keras.ops.conv_transpose` with Keras's output size: `input · stride`
/// with `same` padding, `(input − 1) · stride + max(kernel, stride)` with `valid`.
///
/// - Parameters:
///   - input: `[batch, height, width, channels]`.
///   - kernel: Keras's `Conv2DTranspose` kernel `[kh, kw, filters, channels]`.
///   - bias: `[filters]`, or nil.
///   - strides: How far apart the input pixels land in the output.
///   - padding: `same` or `valid`, with Keras's output sizes above.
/// - Returns: `[batch, outHeight, outWidth, filters]`, recording its backward rule when an
///   argument is tracked.
public func conv2dTranspose(
    _ input: some TensorOperand, kernel: some TensorOperand, bias: (any TensorOperand)? = nil, strides: Size2D = 1, padding: Padding = .valid
) throws -> Tensor {
    let input = input.operand
    let kernel = kernel.operand
    let bias = bias?.operand
    return try conv2dTranspose(
        input, kernel: kernel, bias: bias, rule: TransposedConvolutionGradient(strides: strides, padding: padding),
        op: "conv2dTranspose")
}

/// `conv2dTranspose` with a long-lived rule (a layer's), naming `op` in errors.
func conv2dTranspose(
    _ input: Tensor, kernel: Tensor, bias: Tensor?, rule: TransposedConvolutionGradient, op: String
) throws -> Tensor {
    let shape = try rule.shape(input: input.shape, kernel: kernel.shape, op: op)
    if let bias, bias.shape != [shape.filters] {
        throw SwiftCNNError("\(op): bias shape \(describe(bias.shape)) does not match the \(shape.filters) filters")
    }
    var output = Tensor(
        uninitializedShape: Shapes.of(shape.images, shape.window.rows.input, shape.window.cols.input, shape.filters))
    TransposedConvolutionKernels.forward(
        input: input.pointer, kernel: kernel.pointer, bias: bias?.pointer, output: output.pointer, shape: shape)
    output.record(rule, input, kernel, bias)?.saved = .weighted(input: input.detached, kernel: kernel.detached)
    return output
}

/// The backward of a transposed convolution with fixed strides and padding.
/// Saved: the input and the kernel. Inputs: input, kernel, bias (optional).
final class TransposedConvolutionGradient: BackwardRule, Sendable {
    let strides: Size2D
    let padding: Padding

    init(strides: Size2D, padding: Padding) {
        self.strides = strides
        self.padding = padding
    }

    /// Keras's output length along one axis (`output_padding` None).
    func outputLength(input: Int, kernel: Int, stride: Int) -> Int {
        switch padding {
        case .same: input * stride
        case .valid: (input - 1) * stride + max(kernel, stride)
        }
    }

    /// Checks the input and kernel shapes and returns the geometry.
    func shape(input: [Int], kernel: [Int], op: String) throws -> TransposedConvolutionShape {
        guard strides.isValid else { throw SwiftCNNError("\(op): strides must be positive, got \(strides.pair)") }
        guard input.count == 4, input[1] > 0, input[2] > 0 else {
            throw SwiftCNNError("\(op): expected a 4-D NHWC input with pixels, got shape \(describe(input))")
        }
        guard kernel.count == 4, kernel.allSatisfy({ $0 > 0 }) else {
            throw SwiftCNNError("\(op): expected a kernel [kh, kw, filters, channels], got shape \(describe(kernel))")
        }
        guard kernel[3] == input[3] else {
            throw SwiftCNNError(
                "\(op): input shape \(describe(input)) has \(input[3]) channels but the kernel \(describe(kernel)) expects \(kernel[3])")
        }
        let height = outputLength(input: input[1], kernel: kernel[0], stride: strides.height)
        let width = outputLength(input: input[2], kernel: kernel[1], stride: strides.width)
        let window = Window2D(
            height: height, width: width, window: (kernel[0], kernel[1]), strides: strides.pair, padding: padding)
        // The convolution being transposed maps the output back onto the input's size.
        guard window.rows.output == input[1], window.cols.output == input[2] else {
            throw SwiftCNNError("\(op): no output size maps back onto input \(describe(input)) with kernel \(describe(kernel))")
        }
        return TransposedConvolutionShape(images: input[0], channels: input[3], filters: kernel[2], window: window)
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .weighted(input, kernel) = node.saved else { throw SavedForBackward.mismatch("conv2dTranspose") }
        let shape = try self.shape(input: input.shape, kernel: kernel.shape, op: "conv2dTranspose")
        let gradInput = node.needsGradient(0) ? Tensor(uninitializedShape: input.shape) : nil
        let gradKernel = node.needsGradient(1) ? Tensor(uninitializedShape: kernel.shape) : nil
        let gradBias = node.needsGradient(2) ? Tensor(uninitializedShape: Shapes.of(shape.filters)) : nil
        TransposedConvolutionKernels.backward(
            input: input.pointer, kernel: kernel.pointer, gradOutput: gradOutput.pointer, gradInput: gradInput?.pointer,
            gradKernel: gradKernel?.pointer, gradBias: gradBias?.pointer, shape: shape)
        if let gradInput { node.send(gradInput, toInput: 0) }
        if let gradKernel { node.send(gradKernel, toInput: 1) }
        if let gradBias { node.send(gradBias, toInput: 2) }
    }
}
