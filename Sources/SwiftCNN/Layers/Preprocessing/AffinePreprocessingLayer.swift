/// The shared part of Keras 3's geometric preprocessing layers (`RandomRotation`,
/// `RandomTranslation`, `RandomZoom`): while training, each image is resampled through a
/// transform drawn from the layer's generator; in inference the layer is the identity.
///
/// The resampling is linear in the image, so placed after other layers it passes gradients
/// back through the same sampling weights (its adjoint).
public class AffinePreprocessingLayer: Layer {
    public let fillMode: FillMode
    public let interpolation: Interpolation
    public let fillValue: Float

    init(fillMode: FillMode, interpolation: Interpolation, fillValue: Float) {
        self.fillMode = fillMode
        self.interpolation = interpolation
        self.fillValue = fillValue
    }

    var resampler: ProjectiveTransform {
        ProjectiveTransform(interpolation: interpolation, fillMode: fillMode, fillValue: fillValue)
    }

    /// Eight transform numbers per image for a batch of `count` images of `height`×`width`,
    /// drawn from `generator`.
    func drawTransforms(count: Int, height: Int, width: Int, using generator: inout RandomGenerator) -> [Float] {
        fatalError("\(type(of: self)) does not override drawTransforms")
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard training else { return input }
        let (n, h, w, _) = try imageBatchDimensions(input, displayName)
        let transforms = drawTransforms(count: n, height: h, width: w, using: &random)
        var output = try resampler.apply(input, transforms: transforms)
        output.record(self, input)?.saved = .draws(transforms)
        return output
    }
}

extension AffinePreprocessingLayer: BackwardRule {
    /// Saved: the transforms, 8 numbers per image.
    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .draws(transforms) = node.saved else { throw SavedForBackward.mismatch(displayName) }
        node.send(resampler.adjoint(gradOutput, transforms: transforms), toInput: 0)
    }
}

/// Keras's factor check for translation and zoom: each end of `range` in (−1, 1]; returns
/// the range sorted, as Keras sorts it.
func kerasFactorRange(_ range: (Double, Double), name: String, layer: String) throws -> (Double, Double) {
    let pair = (min(range.0, range.1), max(range.0, range.1))
    for value in [pair.0, pair.1] where !(value > -1 && value <= 1) {
        throw SwiftCNNError("\(layer): \(name) must be in (-1, 1], got \(value)")
    }
    return pair
}
