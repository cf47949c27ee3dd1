/// The course's C-B-A-P-D block, the five steps of one feature-extraction stage in the
/// order the course teaches them: Convolution → BatchNormalization → Activation →
/// Pooling → Dropout, as one composite layer.
///
/// ```swift
/// // The course's baseline as a Sequential of one block and two dense layers:
/// let model = Sequential {
///     CBAPD(6, kernelSize: 5)
///     Flatten()
///     Dense(128, activation: .relu)
///     Dropout(0.2)
///     Dense(10, activation: .softmax)
/// }
/// ```
///
/// The defaults are the baseline's: same padding, ReLU, 2×2 max pooling with stride 2 and
/// same padding, dropout 0.2. Pass `batchNorm: false`, `pool: nil` or `dropout: nil` to drop
/// a step. Parameter paths read `c/kernel`, `b/gamma` under the block's own label.
public final class CBAPD: Layer {
    /// C: the convolution.
    public let c: Conv2D
    /// B: batch normalisation, or nil.
    public let b: BatchNormalization?
    /// A: the activation.
    public let a: Activation
    /// P: pooling (`MaxPool2D` or `AveragePooling2D`), or nil.
    public let p: Layer?
    /// D: dropout, or nil.
    public let d: Dropout?

    /// A block of `filters` convolutions of `kernelSize`, then batch normalisation (unless
    /// `batchNorm` is false), `activation`, `pool` (nil: none) and dropout of rate
    /// `dropout` (nil: none).
    public init(
        _ filters: Int, kernelSize: Size2D = 3, strides: Size2D = 1, padding: Padding = .same,
        batchNorm: Bool = true, activation: ActivationFunction = .relu,
        pool: Layer? = MaxPool2D(poolSize: 2, strides: 2, padding: .same), dropout: Float? = 0.2
    ) {
        c = Conv2D(filters, kernelSize: kernelSize, strides: strides, padding: padding)
        b = batchNorm ? BatchNormalization() : nil
        a = Activation(activation)
        p = pool
        d = dropout.map { Dropout($0) }
    }

    public override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        var x = try c(x, training: training)
        if let b { x = try b(x, training: training) }
        x = try a(x, training: training)
        if let p { x = try p(x, training: training) }
        if let d { x = try d(x, training: training) }
        return x
    }
}
