/// What an op takes as an argument: a `Tensor`, or a `Parameter` standing for its value, as
/// a Keras variable stands wherever `keras.ops` takes a tensor (`x * gamma`).
public protocol TensorOperand {
    /// The value the op reads. A trainable parameter read inside a `GradientTape`'s
    /// `record` (and so inside `fit`) comes with a gradient leaf, so the tape reaches it.
    var operand: Tensor { get }
}

extension Tensor: TensorOperand {
    /// The tensor itself, with its autograd record.
    public var operand: Tensor { self }
}

extension Parameter: TensorOperand {
    /// The parameter's value, tracked when a tape is recording.
    public var operand: Tensor { read(training: false) }
}
