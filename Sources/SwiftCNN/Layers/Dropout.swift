/// Zeroes a fraction `rate` of its inputs while training and scales the rest by
/// `1 / (1 − rate)` (inverted dropout), so inference is the identity.
public final class Dropout: Layer {
    public let rate: Float

    public init(_ rate: Float) {
        self.rate = rate
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard rate >= 0, rate < 1 else { throw shapeError("rate must be in [0, 1), got \(rate)") }
        guard training, rate > 0 else { return input }
        let keep = 1 - rate
        let scale = 1 / keep
        let mask = Tensor(uninitializedShape: input.shape)
        for i in 0..<mask.count { mask.pointer[i] = random.nextUniform() < keep ? scale : 0 }
        var output = Tensor(uninitializedShape: input.shape)
        for i in 0..<output.count { output.pointer[i] = input.pointer[i] * mask.pointer[i] }
        output.record(self, input)?.save(mask)
        return output
    }
}

extension Dropout: BackwardRule {
    /// Saved: the mask (0 or 1/keep per element).
    func backward(_ node: GradNode, _ gradOutput: Tensor) {
        let mask = node.saved[0]
        let gradInput = Tensor(uninitializedShape: gradOutput.shape)
        for i in 0..<gradInput.count { gradInput.pointer[i] = gradOutput.pointer[i] * mask.pointer[i] }
        node.send(gradInput, toInput: 0)
    }
}
