/// A layer over several inputs (Keras's `Merge` layers): it is called on a list,
/// `Add()([a, b])`, of tensors or of symbolic tensors (the Functional API). Called on one
/// tensor it throws, as there is nothing to merge.
public class MergeLayer: Layer {
    /// The merge of `inputs`; subclasses override this.
    func merge(_ inputs: [Tensor]) throws -> Tensor {
        throw SwiftCNNError("\(displayName): \(type(of: self)) does not override merge(_:)")
    }

    /// The merge of the inputs.
    public func callAsFunction(_ inputs: [Tensor]) throws -> Tensor {
        if !isPrepared { prepare(seed: 0) }
        lastInputShape = inputs.first?.shape
        let output = try merge(inputs)
        lastOutputShape = output.shape
        return output
    }

    /// The symbolic merge of symbolic tensors (the Functional API); mismatched shapes
    /// throw, naming the layer.
    public func callAsFunction(_ inputs: [SymbolicTensor]) throws -> SymbolicTensor {
        try symbolicCall(inputs, takesList: true) { inputs in
            try self(inputs.map { Tensor.zeros([1] + $0.shape) })
        }
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        throw SwiftCNNError("\(displayName): takes a list of tensors, as \(typeName)()([a, b]), not one tensor")
    }
}

/// Joins its inputs along an axis (the channel, last, axis by default): Inception's
/// concatenation.
public final class Concatenate: MergeLayer {
    /// Keras's `axis`, counted with the batch axis (negative: from the end).
    public let axis: Int

    /// Keras's `Concatenate(axis=-1)`.
    public init(axis: Int = -1) {
        self.axis = axis
        super.init()
    }

    override func merge(_ inputs: [Tensor]) throws -> Tensor {
        try concatenate(inputs, axis: axis, op: displayName)
    }
}

/// Elementwise sum of inputs of identical shape: ResNet's residual sum.
public final class Add: MergeLayer {
    /// Keras's `Add()`.
    public override init() {}

    override func merge(_ inputs: [Tensor]) throws -> Tensor {
        try add(inputs, op: displayName)
    }
}
