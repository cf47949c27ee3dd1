/// Layers over several inputs, for models written as a forward pass: Inception's
/// channel concatenation and ResNet's residual sum.
public final class Concatenate: Layer {
    public override init() {}

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        if !isPrepared { prepare(seed: 0) }
        return try concatenate(inputs, op: displayName)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor { input }
}

/// Elementwise sum of inputs of identical shape.
public final class Add: Layer {
    public override init() {}

    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        if !isPrepared { prepare(seed: 0) }
        return try add(inputs, op: displayName)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor { input }
}
