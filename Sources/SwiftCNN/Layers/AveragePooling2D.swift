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
        let window = try poolingWindow(self, input, poolSize: poolSize, strides: strides, padding: padding)
        let (images, channels) = (input.shape[0], input.shape[3])
        var output = Tensor(uninitializedShape: Shapes.of(images, window.rows.output, window.cols.output, channels))
        Pooling.averageForward(input: input.pointer, images: images, channels: channels, window: window, output: output.pointer)
        output.record(self, input)?.savedShape = input.shape
        return output
    }
}

extension AveragePooling2D: BackwardRule {
    /// Saved: the input's shape.
    func backward(_ node: GradNode, _ gradOutput: Tensor) {
        let inputShape = node.savedShape
        let window = Window2D(
            height: inputShape[1], width: inputShape[2], window: poolSize.pair, strides: strides.pair, padding: padding)
        let gradInput = Tensor(uninitializedShape: inputShape)
        Pooling.averageBackward(
            gradOutput: gradOutput.pointer, images: inputShape[0], channels: inputShape[3], window: window,
            gradInput: gradInput.pointer)
        node.send(gradInput, toInput: 0)
    }
}
