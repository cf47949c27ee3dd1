/// Normalisation as functions, as `keras.ops.batch_normalization` / `tf.nn.moments`,
/// composed of the broadcasting ops so every argument gets its gradient. The
/// `BatchNormalization` layer runs a fused kernel for the same arithmetic (and its moving
/// statistics), which is what keeps the course's models fast.

/// `(x − mean) · scale / sqrt(variance + epsilon) + offset`, the statistics broadcasting
/// against `x` (per channel: shape `[C]` for NHWC input).
public func batchNormalization(
    _ x: some TensorOperand, mean: some TensorOperand, variance: some TensorOperand,
    offset: (any TensorOperand)? = nil, scale: (any TensorOperand)? = nil, epsilon: Float = 1e-3
) throws -> Tensor {
    let inverse = try 1 / sqrt(try variance + epsilon)
    var factor = inverse
    if let scale { factor = try factor * scale.operand }
    let normalized = try (x - mean) * factor
    guard let offset else { return normalized }
    return try normalized + offset.operand
}

/// The mean and (biased) variance of `x` over `axes`, as `tf.nn.moments`.
public func moments(_ x: some TensorOperand, axes: [Int], keepDims: Bool = false) throws -> (mean: Tensor, variance: Tensor) {
    let input = x.operand
    let center = try SwiftCNN.mean(input, axes: axes, keepDims: true)
    let variance = try SwiftCNN.mean(square(try input - center), axes: axes, keepDims: keepDims)
    return (keepDims ? center : try center.reshaped(variance.shape), variance)
}
