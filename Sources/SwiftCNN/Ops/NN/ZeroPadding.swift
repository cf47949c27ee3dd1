/// Zeros around NHWC images, as Keras's `ZeroPadding2D`: `top` rows above, `bottom` below,
/// `left` columns before and `right` after. The general constant `pad` with zeros on the
/// two spatial axes; its gradient crops the padding away.
public func zeroPadding2d(_ input: some TensorOperand, top: Int, bottom: Int, left: Int, right: Int) throws -> Tensor {
    try zeroPadding2d(input.operand, top: top, bottom: bottom, left: left, right: right, op: "zeroPadding2d")
}

/// `zeroPadding2d`, naming `op` (a layer's display name) in errors.
func zeroPadding2d(_ input: Tensor, top: Int, bottom: Int, left: Int, right: Int, op: String) throws -> Tensor {
    guard [top, bottom, left, right].allSatisfy({ $0 >= 0 }) else {
        throw SwiftCNNError("\(op): padding must not be negative, got ((\(top), \(bottom)), (\(left), \(right)))")
    }
    guard input.rank == 4 else { throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input.shape))") }
    return try pad(input, [(0, 0), (top, bottom), (left, right), (0, 0)])
}
