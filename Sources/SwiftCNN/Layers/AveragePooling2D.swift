/// Average pooling over NHWC images, as Keras's `AveragePooling2D`. With `.same` a window
/// that overhangs the border averages only the real inputs it covers, as TensorFlow does.
public final class AveragePooling2D: Layer {
    /// The window's height and width.
    public let poolSize: Size2D
    /// How far the window moves between outputs (defaults to the pool size).
    public let strides: Size2D
    /// `valid` (only whole windows) or `same` (averages over the real pixels of padded
    /// windows).
    public let padding: Padding

    /// Keras's `AveragePooling2D(pool_size, strides, padding)`; `strides` defaults to
    /// `poolSize`.
    public init(poolSize: Size2D = 2, strides: Size2D? = nil, padding: Padding = .valid) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        try avgPool2d(input, poolSize: poolSize, strides: strides, padding: padding, op: displayName)
    }
}
