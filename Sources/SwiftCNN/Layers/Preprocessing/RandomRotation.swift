import Foundation

/// Keras 3's `RandomRotation`: while training, rotates each image by an angle drawn
/// uniformly from `factor` × 360° about the image centre ((W − 1) / 2, (H − 1) / 2);
/// positive angles turn counter-clockwise. `factor` 0.1 means [−36°, 36°].
public final class RandomRotation: AffinePreprocessingLayer {
    /// The range of the angle as fractions of a full turn.
    public let lower: Double, upper: Double

    /// `factor`: a fraction f of a full turn, for [−f, f], in [−1, 1].
    public convenience init(
        _ factor: Double, fillMode: FillMode = .reflect, interpolation: Interpolation = .bilinear, fillValue: Float = 0
    ) throws {
        try self.init(range: (-abs(factor), abs(factor)), fillMode: fillMode, interpolation: interpolation, fillValue: fillValue)
    }

    /// `range`: (lower, upper) fractions of a full turn, each in [−1, 1].
    public init(
        range: (Double, Double), fillMode: FillMode = .reflect, interpolation: Interpolation = .bilinear,
        fillValue: Float = 0
    ) throws {
        (lower, upper) = (min(range.0, range.1), max(range.0, range.1))
        guard lower >= -1, upper <= 1 else {
            throw SwiftCNNError("RandomRotation: factor must be in [-1, 1], got (\(range.0), \(range.1))")
        }
        super.init(fillMode: fillMode, interpolation: interpolation, fillValue: fillValue)
    }

    override func drawTransforms(count: Int, height: Int, width: Int, using generator: inout RandomGenerator) -> [Float] {
        (0..<count).flatMap { _ in
            Self.transform(degrees: Float(generator.uniform(lower * 360, upper * 360)), height: height, width: width)
        }
    }

    /// Keras's `_compute_affine_matrix` for a pure rotation, in float as Keras computes it.
    static func transform(degrees: Float, height: Int, width: Int) -> [Float] {
        let angle = degrees * Float(Double.pi / 180)
        let (cx, cy) = (0.5 * Float(width - 1), 0.5 * Float(height - 1))
        let (cosine, sine) = (cos(angle), sin(angle))
        let (a0, a1, b0, b1) = (cosine, -sine, sine, cosine)
        return [a0, a1, cx - cx * a0 - cy * a1, b0, b1, cy - cx * b0 - cy * b1, 0, 0]
    }
}
