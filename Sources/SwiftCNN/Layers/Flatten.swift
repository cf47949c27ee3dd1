/// Flattens every axis but the batch axis: `[N, H, W, C]` → `[N, H·W·C]`, in NHWC order as
/// Keras does, so a Dense kernel loaded from Keras lines up.
public final class Flatten: Layer {
    /// Keras's `Flatten()`: `[N, H, W, C]` to `[N, H·W·C]` in row-major (H·W·C) order.
    public override init() {}

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank >= 1 else { throw shapeError("cannot flatten a scalar") }
        return try input.reshaped(Shapes.of(input.shape[0], input.shape.dropFirst().reduce(1, *)))
    }
}
