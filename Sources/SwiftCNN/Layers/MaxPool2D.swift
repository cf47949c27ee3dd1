/// Max pooling over NHWC images, as Keras's `MaxPool2D` (`MaxPooling2D`).
/// `strides` defaults to `poolSize`; with `.same`, padded positions never win.
public final class MaxPool2D: Layer {
    /// The window's height and width.
    public let poolSize: Size2D
    /// How far the window moves between outputs (defaults to the pool size).
    public let strides: Size2D
    /// `valid` (only whole windows) or `same` (padded windows; padding never wins the
    /// maximum).
    public let padding: Padding

    /// Keras's `MaxPooling2D(pool_size, strides, padding)`; `strides` defaults to
    /// `poolSize`.
    public init(poolSize: Size2D = 2, strides: Size2D? = nil, padding: Padding = .valid) {
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
    }

    public override var typeName: String { "MaxPooling2D" }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        // Pooled already by the convolution before it, or left to the one after it
        // (``InferenceFusion``).
        if !training, let plan = InferenceFusion.active, plan.passesThrough(self, input) || plan.defers(self, input) {
            return input
        }
        return try pooling(input)
    }

    /// The pooling itself, whatever plan is active.
    func pooling(_ input: Tensor) throws -> Tensor {
        try maxPool2d(input, poolSize: poolSize, strides: strides, padding: padding, op: displayName)
    }
}
