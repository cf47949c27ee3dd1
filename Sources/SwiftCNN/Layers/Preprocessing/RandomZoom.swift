/// Keras 3's `RandomZoom`: while training, scales each image about its centre by 1 + a
/// fraction drawn from the factors; a positive fraction zooms out (the content shrinks), a
/// negative one zooms in. Without a width factor the width uses the height's draw.
public final class RandomZoom: AffinePreprocessingLayer {
    public let height: (lower: Double, upper: Double)
    public let width: (lower: Double, upper: Double)?

    /// Each factor: a fraction f for [−f, f], in (−1, 1].
    public convenience init(
        heightFactor: Double, widthFactor: Double? = nil, fillMode: FillMode = .reflect,
        interpolation: Interpolation = .bilinear, fillValue: Float = 0
    ) throws {
        try self.init(
            heightRange: (-abs(heightFactor), abs(heightFactor)), widthRange: widthFactor.map { (-abs($0), abs($0)) },
            fillMode: fillMode, interpolation: interpolation, fillValue: fillValue)
    }

    /// Each range: (lower, upper) fractions, each in (−1, 1].
    public init(
        heightRange: (Double, Double), widthRange: (Double, Double)? = nil, fillMode: FillMode = .reflect,
        interpolation: Interpolation = .bilinear, fillValue: Float = 0
    ) throws {
        height = try kerasFactorRange(heightRange, name: "height_factor", layer: "RandomZoom")
        width = try widthRange.map { try kerasFactorRange($0, name: "width_factor", layer: "RandomZoom") }
        super.init(fillMode: fillMode, interpolation: interpolation, fillValue: fillValue)
    }

    /// Per image: the height zoom, then (with a width factor) the width zoom.
    override func drawTransforms(count: Int, height h: Int, width w: Int, using generator: inout RandomGenerator) -> [Float] {
        (0..<count).flatMap { _ in
            let zy = Float(1 + generator.uniform(height.lower, height.upper))
            let zx = width.map { Float(1 + generator.uniform($0.lower, $0.upper)) } ?? zy
            return Self.transform(zx: zx, zy: zy, height: h, width: w)
        }
    }

    /// Keras's `_get_zoom_matrix`.
    static func transform(zx: Float, zy: Float, height: Int, width: Int) -> [Float] {
        [zx, 0, (Float(width) - 1) / 2 * (1 - zx), 0, zy, (Float(height) - 1) / 2 * (1 - zy), 0, 0]
    }
}
