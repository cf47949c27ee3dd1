/// What an op keeps for its backward rule, by name: one case per kind of op, so a rule
/// reads `case let .convolution(input, kernel, shape)` rather than positions in a list.
///
/// Payloads hold tensors without their autograd records (see `GradNode.save`), so the
/// graph forms no cycles, and only values and shared arrays, so recording allocates
/// nothing: a case lives inline in the reused node.
enum SavedForBackward {
    case nothing
    /// The op's input (rules whose gradient follows from it: `square`, `log`, `abs`).
    case input(Tensor)
    /// The op's output (rules whose gradient follows from it: `relu`, `sigmoid`, `exp`).
    case output(Tensor)
    /// Both operands of a binary op, and the output's shape.
    case operands(lhs: Tensor, rhs: Tensor)
    /// The input's shape, when the rule needs nothing else (reshape, average pooling).
    case inputShape([Int])
    /// A reduction's input and output (kept dims), and the reduced axes.
    case reduction(input: Tensor, output: Tensor, axes: [Int])
    /// An op with one Float attribute (`pow` by a constant, `leakyRelu`'s slope) on its input.
    case inputAndScalar(Tensor, Float)
    /// `clip`'s input and bounds.
    case clip(input: Tensor, lower: Float, upper: Float)
    /// A softmax or log-softmax output along `axis` (as a positive axis).
    case softmax(output: Tensor, axis: Int)
    /// A permutation of axes.
    case permutation([Int])
    /// A slice's input shape and start.
    case slice(inputShape: [Int], begin: [Int])
    /// A gather's input shape, axis and indices.
    case gather(inputShape: [Int], axis: Int, indices: [Int])
    /// The inputs' sizes along the axis they were joined on (concatenate, stack).
    case joined(axis: Int, sizes: [Int])
    /// A constant pad's input shape and amounts before and after, per axis.
    case pad(inputShape: [Int], before: [Int])
    /// A convolution's input and kernel, and its geometry.
    case convolution(input: Tensor, kernel: Tensor, shape: ConvolutionShape)
    /// A dense layer's input and kernel.
    case dense(input: Tensor, kernel: Tensor)
    /// An op's input and weights, for rules that hold their own geometry (depthwise,
    /// pointwise and transposed convolution).
    case weighted(input: Tensor, kernel: Tensor)
    /// Layer normalisation's normalised input, 1/std per row, and gamma (if scaled).
    case layerNormalization(normalized: Tensor, inverseStd: Tensor, gamma: Tensor?)
    /// Max pooling's arg-max per output (Int32s in a float storage) and the input's shape.
    case maxPooling(argmax: Tensor, inputShape: [Int])
    /// Average pooling's input shape and window.
    case averagePooling(inputShape: [Int], window: Window2D)
    /// Batch normalisation's input, gamma, statistics, gamma/std, and (synchronised, under
    /// MPI) the rows of every rank.
    case batchNormalization(input: Tensor, gamma: Tensor, mean: Tensor, inverseStd: Tensor, scale: Tensor, totalRows: Int?)
    /// A dropout mask (0 or 1/(1 − rate) per element).
    case mask(Tensor)
    /// Per-image draws of a random preprocessing layer (flips, transforms).
    case draws([Float])
    /// `RandomContrast`'s factors and which elements the clip let through.
    case contrast(factors: [Float], passed: Tensor)
    /// A cross-entropy's probabilities (from logits, or clipped ones) and targets.
    case crossEntropy(probabilities: Tensor, targets: Tensor)
    /// A cross-entropy on probabilities: the predictions, the clipped ones, the row sums.
    case probabilityCrossEntropy(predictions: Tensor, clipped: Tensor, rowSums: Tensor, targets: Tensor)
    /// A regression loss's predictions and targets.
    case regression(predictions: Tensor, targets: Tensor)
}

extension SavedForBackward {
    /// The message of a rule that finds another op's record (a bug, not a user error).
    static func mismatch(_ rule: String) -> SwiftCNNError {
        SwiftCNNError("backward: \(rule) found another op's saved values")
    }
}
