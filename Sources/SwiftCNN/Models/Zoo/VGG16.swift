/// Simonyan and Zisserman's VGG-16 (2014) as the course writes it (`p40_cifar10_vgg16.py`):
/// thirteen 3×3 convolutions, each Conv → BatchNorm → ReLU, in five stages that end with
/// max pooling and dropout, then three dense layers. Two stacked 3×3 convolutions see as
/// far as one 5×5 with fewer parameters (`summary --details` shows the receptive fields).
///
/// The course spells out the thirteen blocks as `c1` … `c13`; the reference keeps them as
/// `convs`, a list of layer lists generated from `cfg`, and so do we: paths read
/// `convs/0/0/kernel` (block 0, its convolution).
public final class VGG16: Model {
    /// Filters of each convolution, and whether max pooling and dropout follow it.
    public static let cfg: [(filters: Int, pool: Bool)] = [
        (64, false), (64, true),
        (128, false), (128, true),
        (256, false), (256, false), (256, true),
        (512, false), (512, false), (512, true),
        (512, false), (512, false), (512, true),
    ]

    /// The thirteen convolution groups (Conv → BN → ReLU, with MaxPool → Dropout after each
    /// stage's last), the course's `c1`…`d5` in order.
    public let convs: [[Layer]] = VGG16.cfg.map { f, pool in
        var layers: [Layer] = [Conv2D(f, kernelSize: (3, 3), padding: .same), BatchNormalization(), Activation(.relu)]
        if pool { layers += [MaxPool2D(poolSize: 2, strides: 2, padding: .same), Dropout(0.2)] }
        return layers
    }
    /// The course's `self.flatten` (no variables).
    public let flatten = Flatten()
    /// The course's `self.f1`; its variables are checkpointed under `f1/`.
    public let f1 = Dense(512, activation: .relu)
    /// The course's `self.d6` (no variables).
    public let d6 = Dropout(0.2)
    /// The course's `self.f2`; its variables are checkpointed under `f2/`.
    public let f2 = Dense(512, activation: .relu)
    /// The course's `self.d7` (no variables).
    public let d7 = Dropout(0.2)
    /// The course's `self.f3`; its variables are checkpointed under `f3/`.
    public let f3 = Dense(10, activation: .softmax)

    /// The course's model, its layers created in the order declared above (Keras names them in that order).
    public override init() { super.init() }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        var x = x
        for layers in convs {
            for layer in layers {
                x = try layer(x, training: training)
            }
        }
        x = try flatten(x, training: training)
        x = try d6(f1(x, training: training), training: training)
        x = try d7(f2(x, training: training), training: training)
        return try f3(x, training: training)
    }
}
