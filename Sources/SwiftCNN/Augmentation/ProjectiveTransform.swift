import CSwiftCNNSupport

/// Keras 3's `keras.ops.image.affine_transform` (TensorFlow's ImageProjectiveTransformV3):
/// each image of a batch resampled through its own 8-number transform `[a0, a1, a2, b0, b1,
/// b2, c0, c1]`, which maps an output pixel (x, y) to the input point
/// ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1.
struct ProjectiveTransform: Sendable {
    var interpolation: Interpolation
    var fillMode: FillMode
    var fillValue: Float

    /// The resampled batch; `transforms` holds 8 numbers per image.
    func apply(_ images: Tensor, transforms: [Float]) throws -> Tensor {
        let (n, h, w, c) = try imageBatchDimensions(images, "affine_transform")
        guard transforms.count == 8 * n else {
            throw SwiftCNNError("affine_transform: \(transforms.count) transform numbers for \(n) images, need \(8 * n)")
        }
        let output = Tensor(uninitializedShape: images.shape)
        let size = h * w * c
        transforms.withUnsafeBufferPointer { t in
            for i in 0..<n {
                swiftcnn_affine_tf(
                    images.pointer + i * size, output.pointer + i * size, h, w, c, t.baseAddress! + 8 * i,
                    interpolation == .bilinear ? 1 : 0, fillMode.code, fillValue)
            }
        }
        return output
    }

    /// The gradient with respect to the images of `apply`, given the output's gradient.
    func adjoint(_ gradOutput: Tensor, transforms: [Float]) -> Tensor {
        let (n, h, w, c) = (gradOutput.shape[0], gradOutput.shape[1], gradOutput.shape[2], gradOutput.shape[3])
        let gradInput = Tensor(shape: gradOutput.shape, repeating: 0)
        let size = h * w * c
        transforms.withUnsafeBufferPointer { t in
            for i in 0..<n {
                swiftcnn_affine_tf_adjoint(
                    gradOutput.pointer + i * size, gradInput.pointer + i * size, h, w, c, t.baseAddress! + 8 * i,
                    interpolation == .bilinear ? 1 : 0, fillMode.code)
            }
        }
        return gradInput
    }
}
