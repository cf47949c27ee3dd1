/// Krizhevsky et al.'s AlexNet (2012) as the course writes it for 32×32 images
/// (`p36_cifar10_alexnet8.py`): five convolutions (the first two C-B-A-P blocks, with
/// batch norm standing in for the paper's local response normalisation) and three dense
/// layers with dropout. ReLU and dropout were its new ideas.
public final class AlexNet8: Model {
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1 = Conv2D(96, kernelSize: (3, 3))
    /// The course's `self.b1`; its variables are checkpointed under `b1/`.
    public let b1 = BatchNormalization()
    /// The course's `self.a1` (no variables).
    public let a1 = Activation(.relu)
    /// The course's `self.p1` (no variables).
    public let p1 = MaxPool2D(poolSize: 3, strides: 2)

    /// The course's `self.c2`; its variables are checkpointed under `c2/`.
    public let c2 = Conv2D(256, kernelSize: (3, 3))
    /// The course's `self.b2`; its variables are checkpointed under `b2/`.
    public let b2 = BatchNormalization()
    /// The course's `self.a2` (no variables).
    public let a2 = Activation(.relu)
    /// The course's `self.p2` (no variables).
    public let p2 = MaxPool2D(poolSize: 3, strides: 2)

    /// The course's `self.c3`; its variables are checkpointed under `c3/`.
    public let c3 = Conv2D(384, kernelSize: (3, 3), padding: .same, activation: .relu)
    /// The course's `self.c4`; its variables are checkpointed under `c4/`.
    public let c4 = Conv2D(384, kernelSize: (3, 3), padding: .same, activation: .relu)
    /// The course's `self.c5`; its variables are checkpointed under `c5/`.
    public let c5 = Conv2D(256, kernelSize: (3, 3), padding: .same, activation: .relu)
    /// The course's `self.p3` (no variables).
    public let p3 = MaxPool2D(poolSize: 3, strides: 2)

    /// The course's `self.flatten` (no variables).
    public let flatten = Flatten()
    /// The course's `self.f1`; its variables are checkpointed under `f1/`.
    public let f1 = Dense(2048, activation: .relu)
    /// The course's `self.d1` (no variables).
    public let d1 = Dropout(0.5)
    /// The course's `self.f2`; its variables are checkpointed under `f2/`.
    public let f2 = Dense(2048, activation: .relu)
    /// The course's `self.d2` (no variables).
    public let d2 = Dropout(0.5)
    /// The course's `self.f3`; its variables are checkpointed under `f3/`.
    public let f3 = Dense(10, activation: .softmax)

    /// The course's model, its layers created in the order declared above (Keras names them in that order).
    public override init() { super.init() }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        let t = training
        var x = try p1(a1(b1(c1(x, training: t), training: t), training: t), training: t)
        x = try p2(a2(b2(c2(x, training: t), training: t), training: t), training: t)
        x = try c3(x, training: t)
        x = try c4(x, training: t)
        x = try p3(c5(x, training: t), training: t)
        x = try flatten(x, training: t)
        x = try d1(f1(x, training: t), training: t)
        x = try d2(f2(x, training: t), training: t)
        return try f3(x, training: t)
    }
}
