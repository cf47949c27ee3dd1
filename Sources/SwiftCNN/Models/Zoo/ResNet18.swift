import CSwiftCNNSupport

/// ResNet's basic block (`ResnetBlock`): two 3×3 Conv → BatchNorm layers whose output is
/// added to the block's input before the last ReLU. When the block changes the resolution
/// or the channel count, `residualPath` adds a 1×1 convolution and batch norm on the
/// shortcut so the two can be added.
public final class ResnetBlock: Model {
    /// Channels of the block's convolutions.
    public let filters: Int
    /// Stride of the first convolution (2 halves the image).
    public let strides: Int
    /// Whether the shortcut goes through a 1×1 convolution and batch normalisation (when
    /// the shape changes).
    public let residualPath: Bool
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1: Conv2D
    /// The course's `self.b1`; its variables are checkpointed under `b1/`.
    public let b1 = BatchNormalization()
    /// The course's `self.a1` (no variables).
    public let a1 = Activation(.relu)
    /// The course's `self.c2`; its variables are checkpointed under `c2/`.
    public let c2: Conv2D
    /// The course's `self.b2`; its variables are checkpointed under `b2/`.
    public let b2 = BatchNormalization()
    /// The course's `self.down_c1`; its variables are checkpointed under `down_c1/`.
    public let down_c1: Conv2D?
    /// The course's `self.down_b1`; its variables are checkpointed under `down_b1/`.
    public let down_b1: BatchNormalization?
    /// The course's `self.a2` (no variables).
    public let a2 = Activation(.relu)

    /// The course's `ResnetBlock(filters, strides, residual_path)`.
    public init(_ filters: Int, strides: Int = 1, residualPath: Bool = false) {
        self.filters = filters
        self.strides = strides
        self.residualPath = residualPath
        c1 = Conv2D(filters, kernelSize: (3, 3), strides: (strides, strides), padding: .same, useBias: false)
        c2 = Conv2D(filters, kernelSize: (3, 3), strides: (1, 1), padding: .same, useBias: false)
        if residualPath {
            down_c1 = Conv2D(filters, kernelSize: (1, 1), strides: (strides, strides), padding: .same, useBias: false)
            down_b1 = BatchNormalization()
        } else {
            (down_c1, down_b1) = (nil, nil)
        }
        super.init()
    }

    public override func call(_ inputs: Tensor, training: Bool) throws -> Tensor {
        if computesPlainValues(inputs, training: training) { return try inferenceCall(inputs) }
        var residual = inputs
        let x = try a1(b1(c1(inputs, training: training), training: training), training: training)
        let y = try b2(c2(x, training: training), training: training)
        if let down_c1, let down_b1 {
            residual = try down_b1(down_c1(inputs, training: training), training: training)
        }
        return try a2(y + residual, training: training)
    }

    /// Inference without autograd or a trace: the sum and the last ReLU are written into the
    /// second batch norm's output, which this call made and nobody else holds, so a block
    /// keeps three activations alive instead of five (at batch 256 each 32×32×64 one is
    /// 67 MB). `a2` is not called, so it gets no profile row here.
    private func inferenceCall(_ inputs: Tensor) throws -> Tensor {
        let x = try a1(b1(c1(inputs)))
        let y = try b2(c2(x))
        var residual = inputs
        if let down_c1, let down_b1 { residual = try down_b1(down_c1(inputs)) }
        guard y.shape == residual.shape else { return try a2(y + residual) }
        let (target, source, count) = (y.pointer, UnsafePointer(residual.pointer), y.count)
        ThreadPool.shared.elementwise(count) { range in
            swiftcnn_add_relu_in_place(target + range.lowerBound, source + range.lowerBound, range.count)
        }
        return y
    }
}

/// He et al.'s ResNet-18 (2015) for CIFAR-10, as the course writes it
/// (`p48_cifar10_resnet18.py`): a 3×3 stem, four stages of two `ResnetBlock`s (each stage
/// after the first halves the resolution and doubles the filters), global average pooling
/// and a softmax layer whose kernel has an L2 penalty (`l2()`, factor 0.01).
public final class ResNet18: Model {
    /// Blocks per stage (`[2, 2, 2, 2]` for ResNet18).
    public let blockList: [Int]
    /// The course's `self.c1`; its variables are checkpointed under `c1/`.
    public let c1: Conv2D
    /// The course's `self.b1`; its variables are checkpointed under `b1/`.
    public let b1 = BatchNormalization()
    /// The course's `self.a1` (no variables).
    public let a1 = Activation(.relu)
    /// The course's `self.blocks`; its variables are checkpointed under `blocks/`.
    public let blocks: Sequential
    /// The course's `self.p1` (no variables).
    public let p1 = GlobalAveragePooling2D()
    /// The course's `self.f1`; its variables are checkpointed under `f1/`.
    public let f1 = Dense(10, activation: .softmax, kernelRegularizer: .l2())

    /// The course's `ResNet18([2, 2, 2, 2])`; `initialFilters` 64 by default, doubled each
    /// stage.
    public init(blockList: [Int] = [2, 2, 2, 2], initialFilters: Int = 64) {
        self.blockList = blockList
        var outFilters = initialFilters
        c1 = Conv2D(outFilters, kernelSize: (3, 3), strides: (1, 1), padding: .same, useBias: false)
        blocks = Sequential(layers: [])
        for (blockId, count) in blockList.enumerated() {
            for layerId in 0..<count {
                let block =
                    blockId != 0 && layerId == 0
                    ? ResnetBlock(outFilters, strides: 2, residualPath: true)
                    : ResnetBlock(outFilters, residualPath: false)
                blocks.add(block)
            }
            outFilters *= 2
        }
        super.init()
    }

    public override func call(_ inputs: Tensor, training: Bool) throws -> Tensor {
        var x = try a1(b1(c1(inputs, training: training), training: training), training: training)
        if computesPlainValues(x, training: training) {
            // Inference: the blocks one by one, so each block's input is dropped once the
            // next block has it. Through `blocks(x)` this `x` would hold the stem's output
            // until the last block returns: one 32×32×64 activation more at the peak.
            for block in blocks.layers { x = try block(x) }
        } else {
            x = try blocks(x, training: training)
        }
        x = try p1(x, training: training)
        return try f1(x, training: training)
    }
}
