/// Keras 3's `RandomTranslation`: while training, shifts each image by a fraction of its
/// height and width drawn uniformly from the factors; a positive fraction moves the content
/// down (height) or right (width).
public final class RandomTranslation: AffinePreprocessingLayer {
    public let height: (lower: Double, upper: Double), width: (lower: Double, upper: Double)

    /// Each factor: a fraction f for [−f, f], in (−1, 1].
    public convenience init(
        heightFactor: Double, widthFactor: Double, fillMode: FillMode = .reflect,
        interpolation: Interpolation = .bilinear, fillValue: Float = 0
    ) throws {
        try self.init(
            heightRange: (-abs(heightFactor), abs(heightFactor)), widthRange: (-abs(widthFactor), abs(widthFactor)),
            fillMode: fillMode, interpolation: interpolation, fillValue: fillValue)
    }

    /// Each range: (lower, upper) fractions of the size, each in (−1, 1].
    public init(
        heightRange: (Double, Double), widthRange: (Double, Double), fillMode: FillMode = .reflect,
        interpolation: Interpolation = .bilinear, fillValue: Float = 0
    ) throws {
        height = try kerasFactorRange(heightRange, name: "height_factor", layer: "RandomTranslation")
        width = try kerasFactorRange(widthRange, name: "width_factor", layer: "RandomTranslation")
        super.init(fillMode: fillMode, interpolation: interpolation, fillValue: fillValue)
    }

    /// Per image: the height fraction, then the width fraction.
    override func drawTransforms(count: Int, height h: Int, width w: Int, using generator: inout RandomGenerator) -> [Float] {
        (0..<count).flatMap { _ in
            let dy = Float(generator.uniform(height.lower, height.upper)) * Float(h)
            let dx = Float(generator.uniform(width.lower, width.upper)) * Float(w)
            return Self.transform(dx: dx, dy: dy)
        }
    }

    /// Keras's `_get_translation_matrix`: shifts of dx and dy pixels.
    static func transform(dx: Float, dy: Float) -> [Float] { [1, 0, -dx, 0, 1, -dy, 0, 0] }
}
