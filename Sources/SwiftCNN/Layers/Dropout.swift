import CSwiftCNNSupport

/// Zeroes a fraction `rate` of its inputs while training and scales the rest by
/// `1 / (1 − rate)` (inverted dropout), so inference is the identity.
public final class Dropout: Layer {
    /// The fraction of units set to zero while training, in [0, 1).
    public let rate: Float

    /// Keras's `Dropout(rate)`.
    public init(_ rate: Float) {
        self.rate = rate
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard rate >= 0, rate < 1 else { throw shapeError("rate must be in [0, 1), got \(rate)") }
        guard training, rate > 0 else { return input }
        let keep = 1 - rate
        let scale = 1 / keep
        let mask = Tensor(uninitializedShape: input.shape)
        random.fillDropoutMask(mask.pointer, count: mask.count, keep: keep, scale: scale)
        var output = Tensor(uninitializedShape: input.shape)
        swiftcnn_multiply(input.pointer, mask.pointer, output.pointer, output.count)
        output.record(self, input)?.save(mask)
        return output
    }
}

extension Dropout: BackwardRule {
    /// Saved: the mask (0 or 1/keep per element).
    func backward(_ node: GradNode, _ gradOutput: Tensor) {
        let mask = node.saved[0]
        let gradInput = Tensor(uninitializedShape: gradOutput.shape)
        swiftcnn_multiply(gradOutput.pointer, mask.pointer, gradInput.pointer, gradInput.count)
        node.send(gradInput, toInput: 0)
    }
}
