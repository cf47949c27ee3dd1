/// LeCun et al.'s LeNet-5 (1998) as the course writes it (`p33_cifar10_lenet5.py`): two
/// sigmoid convolutions with max pooling, then three dense layers. No batch norm, no
/// dropout, valid padding: the first network to share weights through convolution.
public final class LeNet5: Model {
    public let c1 = Conv2D(6, kernelSize: (5, 5), activation: .sigmoid)
    public let p1 = MaxPool2D(poolSize: 2, strides: 2)
    public let c2 = Conv2D(16, kernelSize: (5, 5), activation: .sigmoid)
    public let p2 = MaxPool2D(poolSize: 2, strides: 2)
    public let flatten = Flatten()
    public let f1 = Dense(120, activation: .sigmoid)
    public let f2 = Dense(84, activation: .sigmoid)
    public let f3 = Dense(10, activation: .softmax)

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
