/// Krizhevsky et al.'s AlexNet (2012) as the course writes it for 32×32 images
/// (`p36_cifar10_alexnet8.py`): five convolutions (the first two C-B-A-P blocks, with
/// batch norm standing in for the paper's local response normalisation) and three dense
/// layers with dropout. ReLU and dropout were its new ideas.
public final class AlexNet8: Model {
    public let c1 = Conv2D(96, kernelSize: (3, 3))
    public let b1 = BatchNormalization()
    public let a1 = Activation(.relu)
    public let p1 = MaxPool2D(poolSize: 3, strides: 2)

    public let c2 = Conv2D(256, kernelSize: (3, 3))
    public let b2 = BatchNormalization()
    public let a2 = Activation(.relu)
    public let p2 = MaxPool2D(poolSize: 3, strides: 2)

    public let c3 = Conv2D(384, kernelSize: (3, 3), padding: .same, activation: .relu)
    public let c4 = Conv2D(384, kernelSize: (3, 3), padding: .same, activation: .relu)
    public let c5 = Conv2D(256, kernelSize: (3, 3), padding: .same, activation: .relu)
    public let p3 = MaxPool2D(poolSize: 3, strides: 2)

    public let flatten = Flatten()
    public let f1 = Dense(2048, activation: .relu)
    public let d1 = Dropout(0.5)
    public let f2 = Dense(2048, activation: .relu)
    public let d2 = Dropout(0.5)
    public let f3 = Dense(10, activation: .softmax)

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
