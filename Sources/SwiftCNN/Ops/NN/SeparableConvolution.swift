/// Depthwise-separable 2-D convolution, as `keras.ops.separable_conv`: a depthwise
/// convolution (no bias) followed by a 1×1 convolution that mixes the channels, plus the
/// bias. Each step records its own backward rule.
///
/// - Parameters:
///   - input: `[batch, height, width, channels]`.
///   - depthwiseKernel: `[kh, kw, channels, multiplier]`.
///   - pointwiseKernel: `[1, 1, channels · multiplier, filters]`.
///   - bias: `[filters]`, or nil.
///   - strides: The depthwise step's strides.
///   - padding: The depthwise step's padding.
public func separableConv2d(
    _ input: some TensorOperand, depthwiseKernel: some TensorOperand, pointwiseKernel: some TensorOperand, bias: (any TensorOperand)? = nil, strides: Size2D = 1,
    padding: Padding = .valid
) throws -> Tensor {
    let input = input.operand
    let depthwiseKernel = depthwiseKernel.operand
    let pointwiseKernel = pointwiseKernel.operand
    let bias = bias?.operand
    return try separableConv2d(
        input, depthwiseKernel: depthwiseKernel, pointwiseKernel: pointwiseKernel, bias: bias,
        rule: DepthwiseConvolutionGradient(strides: strides, padding: padding), op: "separableConv2d")
}

/// `separableConv2d` with a long-lived depthwise rule (a layer's), naming `op` in errors.
func separableConv2d(
    _ input: Tensor, depthwiseKernel: Tensor, pointwiseKernel: Tensor, bias: Tensor?,
    rule: DepthwiseConvolutionGradient, op: String
) throws -> Tensor {
    let depthwise = try depthwiseConv2d(input, kernel: depthwiseKernel, bias: nil, rule: rule, op: op)
    return try pointwiseConv2d(depthwise, kernel: pointwiseKernel, bias: bias, op: op)
}
