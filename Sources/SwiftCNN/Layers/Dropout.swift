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
        guard training else { return input }
        return try dropout(input, rate: rate, generator: &random, op: displayName)
    }
}
