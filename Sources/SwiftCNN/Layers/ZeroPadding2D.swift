/// Adds rows and columns of zeros around NHWC images, as Keras's `ZeroPadding2D`.
public final class ZeroPadding2D: Layer {
    /// Rows above and below.
    public let top: Int, bottom: Int
    /// Columns on the left and right.
    public let left: Int, right: Int

    /// Keras's `ZeroPadding2D(((top, bottom), (left, right)))`.
    public init(padding: ((Int, Int), (Int, Int))) {
        (top, bottom) = padding.0
        (left, right) = padding.1
    }

    /// Keras's `ZeroPadding2D((rows, columns))`: `rows` above and below, `columns` left and right.
    public convenience init(padding: (Int, Int)) {
        self.init(padding: ((padding.0, padding.0), (padding.1, padding.1)))
    }

    /// Keras's `ZeroPadding2D(n)` (default 1): `n` on every side.
    public convenience init(padding: Int = 1) {
        self.init(padding: ((padding, padding), (padding, padding)))
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        try zeroPadding2d(input, top: top, bottom: bottom, left: left, right: right, op: displayName)
    }
}
