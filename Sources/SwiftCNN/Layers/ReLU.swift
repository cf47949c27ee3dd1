/// The rectifier with Keras's options as a layer, as Keras's `ReLU`: `min(x, maxValue)` for
/// `x > threshold`, `negativeSlope · (x − threshold)` below.
public final class ReLU: Layer {
    /// The largest output, or nil for none.
    public let maxValue: Float?
    /// The slope below `threshold`.
    public let negativeSlope: Float
    /// Where the rectifier bends.
    public let threshold: Float
    private let rule: RectifierGradient

    /// Keras's `ReLU(max_value=None, negative_slope=0.0, threshold=0.0)`.
    public init(maxValue: Float? = nil, negativeSlope: Float = 0, threshold: Float = 0) {
        self.maxValue = maxValue
        self.negativeSlope = negativeSlope
        self.threshold = threshold
        rule = RectifierGradient(maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        if !training, let plan = InferenceFusion.active, plan.passesThrough(self, input) { return input }
        // Keras refuses these in the constructor; here the first call does.
        if let maxValue, !(maxValue >= 0) { throw shapeError("max value must be >= 0, got \(maxValue)") }
        guard negativeSlope >= 0, negativeSlope.isFinite else {
            throw shapeError("negative slope must be a number >= 0, got \(negativeSlope)")
        }
        guard threshold >= 0, threshold.isFinite else { throw shapeError("threshold must be a number >= 0, got \(threshold)") }
        return relu(input, rule)
    }
}
