/// Normalises each sample over its last axis, as Keras's `LayerNormalization`:
/// `(x − mean) / sqrt(variance + epsilon) · gamma + beta`, the same in training and
/// inference (no moving statistics).
public final class LayerNormalization: Layer {
    /// The normalised axis: the last (`-1`, or `rank − 1`), the only one supported.
    public let axis: Int
    /// Added to the variance.
    public let epsilon: Float
    /// Whether `beta` is added.
    public let center: Bool
    /// Whether the result is multiplied by `gamma`.
    public let scale: Bool
    /// `[features]` scale, ones when built (nil when `scale` is false).
    public private(set) var gamma: Parameter?
    /// `[features]` offset, zeros when built (nil when `center` is false).
    public private(set) var beta: Parameter?
    private let rule: LayerNormalizationGradient

    /// Keras's `LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True)`.
    public init(axis: Int = -1, epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true) {
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        rule = LayerNormalizationGradient(epsilon: epsilon, scale: scale, center: center)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank >= 2 else { throw shapeError("expected an input with a batch axis, got shape \(describe(input.shape))") }
        guard axis == -1 || axis == input.rank - 1 else {
            throw shapeError("only the last axis (-1 or \(input.rank - 1)) can be normalised, got axis \(axis)")
        }
        guard epsilon > 0, epsilon.isFinite else { throw shapeError("epsilon must be positive, got \(epsilon)") }
        let features = input.shape[input.rank - 1]
        if gamma == nil && beta == nil {
            // Keras creates gamma before beta.
            if scale { gamma = Parameter(name: "gamma", value: Tensor(shape: [features], repeating: 1)) }
            if center { beta = Parameter(name: "beta", value: .zeros([features])) }
        }
        let tracked = training || input.requiresGradient
        return try layerNormalization(
            input, gamma: scale ? gamma?.read(training: tracked) : nil, beta: center ? beta?.read(training: tracked) : nil,
            rule: rule, op: displayName)
    }
}
