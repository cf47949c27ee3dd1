/// The course's baseline CIFAR-10 network (`p27_cifar10_baseline.py`): one C-B-A-P-D
/// block (Conv → BatchNorm → Activation → Pool → Dropout) and two dense layers.
///
/// Read it beside the Keras original: each stored property is one `self.x = …` line of
/// `__init__`, in the same order (Keras names layers in creation order, and so do we), and
/// `call` is the same forward pass. The property names are the checkpoint's variable paths
/// (`c1/kernel`, `b1/moving_mean`). `CBAPD` packages the first five layers as one block.
///
/// ```swift
/// let model = Baseline()
/// try model.build(inputShape: [32, 32, 3])
/// print(model.summary())  // Total params: 198506
/// ```
public final class Baseline: Model {
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1 = Conv2D(6, kernelSize: (5, 5), padding: .same)  // convolution
    /// The course's `self.b1`; its variables are checkpointed under `b1/`.
    public let b1 = BatchNormalization()  // batch normalisation
    /// The course's `self.a1` (no variables).
    public let a1 = Activation(.relu)  // activation
    /// The course's `self.p1` (no variables).
    public let p1 = MaxPool2D(poolSize: 2, strides: 2, padding: .same)  // pooling
    /// The course's `self.d1` (no variables).
    public let d1 = Dropout(0.2)  // dropout
    /// The course's `self.flatten` (no variables).
    public let flatten = Flatten()
    /// The course's `self.f1`; its variables are checkpointed under `f1/`.
    public let f1 = Dense(128, activation: .relu)
    /// The course's `self.d2` (no variables).
    public let d2 = Dropout(0.2)
    /// The course's `self.f2`; its variables are checkpointed under `f2/`.
    public let f2 = Dense(10, activation: .softmax)

    /// The course's model, its layers created in the order declared above (Keras names them in that order).
    public override init() { super.init() }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        var x = try c1(x, training: training)
        x = try b1(x, training: training)
        x = try a1(x, training: training)
        x = try p1(x, training: training)
        x = try d1(x, training: training)
        x = try flatten(x, training: training)
        x = try f1(x, training: training)
        x = try d2(x, training: training)
        return try f2(x, training: training)
    }
}
