import CSwiftCNNSupport

/// A 1×1, stride-1 convolution over NHWC images: every pixel's channels times the same
/// `[1, 1, channels, filters]` kernel, plus the bias. It is a matrix product over the
/// flattened pixels, so it runs on the Dense kernels.
///
/// - Parameters:
///   - input: `[batch, height, width, channels]`.
///   - kernel: `[1, 1, channels, filters]` (Keras's `pointwise_kernel`).
///   - bias: `[filters]`, or nil.
/// - Returns: `[batch, height, width, filters]`, recording its backward rule when an
///   argument is tracked.
public func pointwiseConv2d(_ input: some TensorOperand, kernel: some TensorOperand, bias: (any TensorOperand)? = nil) throws -> Tensor {
    let input = input.operand
    let kernel = kernel.operand
    let bias = bias?.operand
    return try pointwiseConv2d(input, kernel: kernel, bias: bias, op: "pointwiseConv2d")
}

/// `pointwiseConv2d` naming `op` in errors.
func pointwiseConv2d(_ input: Tensor, kernel: Tensor, bias: Tensor?, op: String) throws -> Tensor {
    guard input.rank == 4 else { throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input.shape))") }
    guard kernel.rank == 4, kernel.shape[0] == 1, kernel.shape[1] == 1, kernel.shape[3] > 0 else {
        throw SwiftCNNError("\(op): expected a kernel [1, 1, channels, filters], got shape \(describe(kernel.shape))")
    }
    let (channels, filters) = (kernel.shape[2], kernel.shape[3])
    guard input.shape[3] == channels else {
        throw SwiftCNNError(
            "\(op): input shape \(describe(input.shape)) has \(input.shape[3]) channels but the kernel \(describe(kernel.shape)) expects \(channels)")
    }
    if let bias, bias.shape != [filters] {
        throw SwiftCNNError("\(op): bias shape \(describe(bias.shape)) does not match the \(filters) filters")
    }
    let pixels = input.count / max(channels, 1)
    var output = Tensor(uninitializedShape: Shapes.replacing(3, of: input.shape, with: filters))
    DenseKernels.forward(input.pointer, kernel.pointer, into: output.pointer, batch: pixels, features: channels, units: filters)
    if let bias { swiftcnn_add_rows(output.pointer, bias.pointer, pixels, filters) }
    output.record(PointwiseConvolutionGradient.shared, input, kernel, bias)?.saved = .weighted(
        input: input.detached, kernel: kernel.detached)
    return output
}

/// Saved: the input and the kernel. Inputs: input, kernel, bias (optional).
final class PointwiseConvolutionGradient: BackwardRule, Sendable {
    static let shared = PointwiseConvolutionGradient()

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .weighted(input, kernel) = node.saved else { throw SavedForBackward.mismatch("pointwise convolution") }
        let (channels, filters) = (kernel.shape[2], kernel.shape[3])
        let pixels = input.count / max(channels, 1)
        if let target = node.accumulator(forInput: 0, shape: input.shape) {
            // Another consumer of the input (an Inception block's other branches) sent its
            // gradient already: the product adds into it (SGEMM's beta = 1).
            DenseKernels.inputGradient(
                gradOutput.pointer, kernel.pointer, into: target, batch: pixels, features: channels, units: filters,
                accumulate: true)
        } else if node.needsGradient(0) {
            let gradInput = Tensor(uninitializedShape: input.shape)
            DenseKernels.inputGradient(
                gradOutput.pointer, kernel.pointer, into: gradInput.pointer, batch: pixels, features: channels, units: filters)
            node.send(gradInput, toInput: 0, exclusive: true)
        }
        if node.needsGradient(1) {
            let gradKernel = Tensor(uninitializedShape: kernel.shape)
            DenseKernels.kernelGradient(
                input.pointer, gradOutput.pointer, into: gradKernel.pointer, batch: pixels, features: channels, units: filters)
            node.send(gradKernel, toInput: 1)
        }
        if node.needsGradient(2) {
            let gradBias = Tensor(shape: Shapes.of(filters), repeating: 0)
            swiftcnn_column_sums(gradOutput.pointer, pixels, filters, gradBias.pointer)
            node.send(gradBias, toInput: 2)
        }
    }
}
