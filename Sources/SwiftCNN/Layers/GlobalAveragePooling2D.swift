/// The mean of each channel over all pixels: `[N, H, W, C]` → `[N, C]`.
public final class GlobalAveragePooling2D: Layer {
    /// Keras's `GlobalAveragePooling2D()`: `[N, H, W, C]` to `[N, C]`.
    public override init() {}

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank == 4 else {
            throw shapeError("expected a 4-D NHWC input, got shape \(describe(input.shape))")
        }
        let (images, pixels, channels) = (input.shape[0], input.shape[1] * input.shape[2], input.shape[3])
        var output = Tensor(shape: Shapes.of(images, channels), repeating: 0)
        let scale = 1 / Float(max(pixels, 1))
        for n in 0..<images {
            let out = output.pointer + n * channels
            var src = input.pointer + n * pixels * channels
            for _ in 0..<pixels {
                for c in 0..<channels { out[c] += src[c] }
                src += channels
            }
            for c in 0..<channels { out[c] *= scale }
        }
        output.record(self, input)?.saved = .inputShape(input.shape)
        return output
    }
}

extension GlobalAveragePooling2D: BackwardRule {
    /// Saved: the input's shape.
    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .inputShape(inputShape) = node.saved else { throw SavedForBackward.mismatch("GlobalAveragePooling2D") }
        let (images, pixels, channels) = (inputShape[0], inputShape[1] * inputShape[2], inputShape[3])
        let scale = 1 / Float(max(pixels, 1))
        let gradInput = Tensor(uninitializedShape: inputShape)
        for n in 0..<images {
            let dy = gradOutput.pointer + n * channels
            var dst = gradInput.pointer + n * pixels * channels
            for _ in 0..<pixels {
                for c in 0..<channels { dst[c] = dy[c] * scale }
                dst += channels
            }
        }
        node.send(gradInput, toInput: 0)
    }
}
