/// LeCun et al.'s LeNet-5 (1998) as the course writes it (`p33_cifar10_lenet5.py`): two
/// sigmoid convolutions with max pooling, then three dense layers. No batch norm, no
/// dropout, valid padding: the first network to share weights through convolution.
public final class LeNet5: Model {
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1 = Conv2D(6, kernelSize: (5, 5), activation: .sigmoid)
    /// The course's `self.p1` (no variables).
    public let p1 = MaxPool2D(poolSize: 2, strides: 2)
    /// The course's `self.c2`; its variables are checkpointed under `c2/`.
    public let c2 = Conv2D(16, kernelSize: (5, 5), activation: .sigmoid)
    /// The course's `self.p2` (no variables).
    public let p2 = MaxPool2D(poolSize: 2, strides: 2)
    /// The course's `self.flatten` (no variables).
    public let flatten = Flatten()
    /// The course's `self.f1`; its variables are checkpointed under `f1/`.
    public let f1 = Dense(120, activation: .sigmoid)
    /// The course's `self.f2`; its variables are checkpointed under `f2/`.
    public let f2 = Dense(84, activation: .sigmoid)
    /// The course's `self.f3`; its variables are checkpointed under `f3/`.
    public let f3 = Dense(10, activation: .softmax)

    /// The course's model, its layers created in the order declared above (Keras names them in that order).
    public override init() { super.init() }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        var x = try p1(c1(x, training: training), training: training)
        x = try p2(c2(x, training: training), training: training)
        x = try flatten(x, training: training)
        x = try f1(x, training: training)
        x = try f2(x, training: training)
        return try f3(x, training: training)
    }
}
