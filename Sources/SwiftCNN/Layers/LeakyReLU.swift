/// The leaky rectifier as a layer, as Keras 3's `LeakyReLU`: `x` for `x > 0`,
/// `negativeSlope · x` otherwise.
public final class LeakyReLU: Layer {
    /// The slope below zero (Keras 3's default 0.3; tf-keras called it `alpha`).
    public let negativeSlope: Float
    private let rule: RectifierGradient

    /// Keras's `LeakyReLU(negative_slope=0.3)`.
    public init(negativeSlope: Float = 0.3) {
        self.negativeSlope = negativeSlope
        rule = RectifierGradient(maxValue: nil, negativeSlope: negativeSlope, threshold: 0)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard negativeSlope >= 0, negativeSlope.isFinite else {
            throw shapeError("negative slope must be a number >= 0, got \(negativeSlope)")
        }
        return relu(input, rule)
    }
}
