/// Gives each sample a new shape with the same number of values, as Keras's `Reshape`:
/// the batch axis stays, and one axis of `targetShape` may be `-1` (inferred).
public final class Reshape: Layer {
    /// The shape of one sample, without the batch axis.
    public let targetShape: [Int]

    /// Keras's `Reshape(target_shape)`.
    public init(targetShape: [Int]) {
        self.targetShape = targetShape
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard input.rank >= 1 else { throw shapeError("expected an input with a batch axis, got a scalar") }
        let inferred = targetShape.filter { $0 == -1 }.count
        guard inferred <= 1, targetShape.allSatisfy({ $0 > 0 || $0 == -1 }) else {
            throw shapeError("target shape \(describe(targetShape)) must hold positive sizes and at most one -1")
        }
        let per = input.shape.dropFirst().reduce(1, *)
        let known = targetShape.filter { $0 != -1 }.reduce(1, *)
        guard inferred == 1 ? per % known == 0 : per == known else {
            throw shapeError(
                "cannot reshape input \(describe(input.shape)) (\(per) values per sample) to \(describe(targetShape))")
        }
        return try input.reshaped([input.shape[0]] + targetShape.map { $0 == -1 ? per / known : $0 })
    }
}
