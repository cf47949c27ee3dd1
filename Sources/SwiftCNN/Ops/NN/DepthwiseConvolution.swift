/// Depthwise 2-D convolution over NHWC images, as `keras.ops.depthwise_conv`: every input
/// channel is convolved with its own `multiplier` filters, and output channel
/// `c · multiplier + m` is filter `m` of channel `c`.
///
/// - Parameters:
///   - input: `[batch, height, width, channels]`.
///   - kernel: Keras's depthwise kernel `[kh, kw, channels, multiplier]`.
///   - bias: `[channels · multiplier]`, or nil.
///   - strides: How far the window moves between outputs.
///   - padding: `valid` or `same` (TensorFlow's split, the odd pixel bottom/right).
/// - Returns: `[batch, outHeight, outWidth, channels · multiplier]`, recording its
///   backward rule when an argument is tracked.
public func depthwiseConv2d(
    _ input: some TensorOperand, kernel: some TensorOperand, bias: (any TensorOperand)? = nil, strides: Size2D = 1, padding: Padding = .valid
) throws -> Tensor {
    let input = input.operand
    let kernel = kernel.operand
    let bias = bias?.operand
    return try depthwiseConv2d(
        input, kernel: kernel, bias: bias, rule: DepthwiseConvolutionGradient(strides: strides, padding: padding),
        op: "depthwiseConv2d")
}

/// `depthwiseConv2d` with a long-lived rule (a layer's), naming `op` in errors.
func depthwiseConv2d(
    _ input: Tensor, kernel: Tensor, bias: Tensor?, rule: DepthwiseConvolutionGradient, op: String
) throws -> Tensor {
    let shape = try rule.shape(input: input.shape, kernel: kernel.shape, op: op)
    if let bias, bias.shape != [shape.outputChannels] {
        throw SwiftCNNError("\(op): bias shape \(describe(bias.shape)) does not match the \(shape.outputChannels) output channels")
    }
    var output = Tensor(
        uninitializedShape: Shapes.of(shape.images, shape.window.rows.output, shape.window.cols.output, shape.outputChannels))
    DepthwiseConvolutionKernels.forward(
        input: input.pointer, kernel: kernel.pointer, bias: bias?.pointer, output: output.pointer, shape: shape)
    output.record(rule, input, kernel, bias)?.saved = .weighted(input: input.detached, kernel: kernel.detached)
    return output
}

/// The backward of a depthwise convolution with fixed strides and padding.
/// Saved: the input and the kernel. Inputs: input, kernel, bias (optional).
final class DepthwiseConvolutionGradient: BackwardRule, Sendable {
    let strides: Size2D
    let padding: Padding

    init(strides: Size2D, padding: Padding) {
        self.strides = strides
        self.padding = padding
    }

    /// Checks the input and kernel shapes and returns the convolution's geometry.
    func shape(input: [Int], kernel: [Int], op: String) throws -> DepthwiseConvolutionShape {
        guard strides.isValid else { throw SwiftCNNError("\(op): strides must be positive, got \(strides.pair)") }
        guard input.count == 4 else { throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input))") }
        guard kernel.count == 4, kernel.allSatisfy({ $0 > 0 }) else {
            throw SwiftCNNError("\(op): expected a kernel [kh, kw, channels, multiplier], got shape \(describe(kernel))")
        }
        guard kernel[2] == input[3] else {
            throw SwiftCNNError(
                "\(op): input shape \(describe(input)) has \(input[3]) channels but the kernel \(describe(kernel)) expects \(kernel[2])")
        }
        let window = Window2D(
            height: input[1], width: input[2], window: (kernel[0], kernel[1]), strides: strides.pair, padding: padding)
        guard window.rows.output > 0, window.cols.output > 0 else {
            throw SwiftCNNError(
                "\(op): input shape \(describe(input)) is smaller than the kernel \((kernel[0], kernel[1])) with \(padding.rawValue) padding")
        }
        return DepthwiseConvolutionShape(images: input[0], channels: input[3], multiplier: kernel[3], window: window)
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .weighted(input, kernel) = node.saved else { throw SavedForBackward.mismatch("depthwiseConv2d") }
        let shape = try self.shape(input: input.shape, kernel: kernel.shape, op: "depthwiseConv2d")
        let gradInput = node.needsGradient(0) ? Tensor(uninitializedShape: input.shape) : nil
        let gradKernel = node.needsGradient(1) ? Tensor(uninitializedShape: kernel.shape) : nil
        let gradBias = node.needsGradient(2) ? Tensor(uninitializedShape: Shapes.of(shape.outputChannels)) : nil
        DepthwiseConvolutionKernels.backward(
            input: input.pointer, kernel: kernel.pointer, gradOutput: gradOutput.pointer, gradInput: gradInput?.pointer,
            gradKernel: gradKernel?.pointer, gradBias: gradBias?.pointer, shape: shape)
        if let gradInput { node.send(gradInput, toInput: 0) }
        if let gradKernel { node.send(gradKernel, toInput: 1) }
        if let gradBias { node.send(gradBias, toInput: 2) }
    }
}
