/// Conv → BatchNorm → ReLU as one small model, the building brick of `Inception10`.
///
/// Course quirk, kept on purpose: its `BatchNormalization` ALWAYS runs in inference mode
/// (the course calls `self.model(x, training=False)`), also inside `fit`, so it normalises
/// with the moving mean and variance, which therefore never change from their initial 0
/// and 1. Its gamma and beta and the convolution still train, as in Keras.
public final class ConvBNRelu: Model {
    /// Conv → BN → ReLU, the course's `self.model`.
    public let model: Sequential

    /// `ch` convolutions of `kernelSize` with `strides` and `padding`, batch normalisation
    /// and ReLU.
    public init(_ ch: Int, kernelSize: Int = 3, strides: Int = 1, padding: Padding = .same) {
        model = Sequential {
            Conv2D(ch, kernelSize: (kernelSize, kernelSize), strides: (strides, strides), padding: padding)
            BatchNormalization()
            Activation(.relu)
        }
        super.init()
    }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        // Course quirk: BN always in inference mode, even inside fit(). Gradients still
        // flow: `fit` records inside a `GradientTape` scope.
        try model(x, training: false)
    }
}

/// Inception's multi-branch block (`InceptionBlk`): four branches over the same input (1×1;
/// 1×1 then 3×3; 1×1 then 5×5; 3×3 max pool then 1×1), concatenated along channels.
/// The 1×1 convolutions in front cut the channels the larger kernels see.
public final class InceptionBlk: Model {
    /// Channels of each branch's output (the block outputs `4 · ch`).
    public let ch: Int
    /// Stride of the branches' first layers (2 halves the image).
    public let strides: Int
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1: ConvBNRelu
    /// The course's `self.c2_1`; its variables are checkpointed under `c2_1/`.
    public let c2_1: ConvBNRelu
    /// The course's `self.c2_2`; its variables are checkpointed under `c2_2/`.
    public let c2_2: ConvBNRelu
    /// The course's `self.c3_1`; its variables are checkpointed under `c3_1/`.
    public let c3_1: ConvBNRelu
    /// The course's `self.c3_2`; its variables are checkpointed under `c3_2/`.
    public let c3_2: ConvBNRelu
    /// The course's `self.p4_1` (no variables).
    public let p4_1: MaxPool2D
    /// The course's `self.c4_2`; its variables are checkpointed under `c4_2/`.
    public let c4_2: ConvBNRelu
    private var branchOutputs: [Tensor] = []

    /// A block of four branches of `ch` channels each, the first layer of each with
    /// `strides`.
    public init(_ ch: Int, strides: Int = 1) {
        self.ch = ch
        self.strides = strides
        c1 = ConvBNRelu(ch, kernelSize: 1, strides: strides)
        c2_1 = ConvBNRelu(ch, kernelSize: 1, strides: strides)
        c2_2 = ConvBNRelu(ch, kernelSize: 3, strides: 1)
        c3_1 = ConvBNRelu(ch, kernelSize: 1, strides: strides)
        c3_2 = ConvBNRelu(ch, kernelSize: 5, strides: 1)
        p4_1 = MaxPool2D(poolSize: 3, strides: 1, padding: .same)
        c4_2 = ConvBNRelu(ch, kernelSize: 1, strides: strides)
        super.init()
    }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        let x1 = try c1(x, training: training)
        let x2_2 = try c2_2(c2_1(x, training: training), training: training)
        let x3_2 = try c3_2(c3_1(x, training: training), training: training)
        let x4_2 = try c4_2(p4_1(x, training: training), training: training)
        // An array literal would allocate every call; this one keeps its capacity.
        defer { branchOutputs.removeAll(keepingCapacity: true) }
        branchOutputs.append(x1)
        branchOutputs.append(x2_2)
        branchOutputs.append(x3_2)
        branchOutputs.append(x4_2)
        return try concatenate(branchOutputs)
    }
}

/// Szegedy et al.'s Inception (GoogLeNet, 2014) cut down to ten layers for CIFAR-10, as the
/// course writes it (`p43_cifar10_inception10.py`): a ConvBNRelu stem, `numBlocks` pairs of
/// Inception blocks (the first of each pair halves the resolution, each pair doubles the
/// channels), global average pooling and a softmax layer.
public final class Inception10: Model {
    /// Number of stages of two blocks.
    public let numBlocks: Int
    /// Channels of the first convolution and of the first stage's branches (doubled each
    /// stage).
    public let initCh: Int
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1: ConvBNRelu
    /// The course's `self.blocks`; its variables are checkpointed under `blocks/`.
    public let blocks: Sequential
    /// The course's `self.p1` (no variables).
    public let p1 = GlobalAveragePooling2D()
    /// The course's `self.f1`; its variables are checkpointed under `f1/`.
    public let f1: Dense

    /// The course's `Inception10(num_blocks=2, num_classes=10)`, `init_ch` 16 by default.
    public init(numBlocks: Int = 2, numClasses: Int = 10, initCh: Int = 16) {
        self.numBlocks = numBlocks
        self.initCh = initCh
        var outChannels = initCh
        c1 = ConvBNRelu(initCh)
        blocks = Sequential(layers: [])
        for _ in 0..<numBlocks {
            for layerId in 0..<2 {
                let block = layerId == 0 ? InceptionBlk(outChannels, strides: 2) : InceptionBlk(outChannels, strides: 1)
                blocks.add(block)
            }
            outChannels *= 2
        }
        f1 = Dense(numClasses, activation: .softmax)
        super.init()
    }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        var x = try c1(x, training: training)
        x = try blocks(x, training: training)
        x = try p1(x, training: training)
        return try f1(x, training: training)
    }
}
