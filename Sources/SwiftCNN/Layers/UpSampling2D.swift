/// Enlarges NHWC images by whole factors, as Keras's `UpSampling2D`: `.nearest` repeats
/// each pixel, `.bilinear` interpolates (TensorFlow's half-pixel `resize_bilinear`).
public final class UpSampling2D: Layer {
    /// The factors for rows and columns.
    public let size: Size2D
    /// `.nearest` (Keras's default) or `.bilinear`.
    public let interpolation: Interpolation
    private let rule: UpSamplingGradient

    /// Keras's `UpSampling2D(size=(2, 2), interpolation="nearest")`.
    public init(size: Size2D = 2, interpolation: Interpolation = .nearest) {
        self.size = size
        self.interpolation = interpolation
        rule = UpSamplingGradient(size: size, interpolation: interpolation)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        try upSampling2d(input, rule, op: displayName)
    }
}
