/// Layers over several inputs, for models written as a forward pass: Inception's
/// channel concatenation and ResNet's residual sum.
public final class Concatenate: Layer {
    /// Keras's `Concatenate()` over the last (channel) axis.
    public override init() {}

    /// The inputs joined along their last axis.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        if !isPrepared { prepare(seed: 0) }
        return try concatenate(inputs, op: displayName)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor { input }
}

/// Elementwise sum of inputs of identical shape.
public final class Add: Layer {
    /// Keras's `Add()`.
    public override init() {}

    /// The elementwise sum of the inputs, which must have one shape.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        if !isPrepared { prepare(seed: 0) }
        return try add(inputs, op: displayName)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor { input }
}
