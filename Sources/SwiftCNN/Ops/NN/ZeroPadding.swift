/// Zeros around NHWC images, as Keras's `ZeroPadding2D`: `top` rows above, `bottom` below,
/// `left` columns before and `right` after. The gradient crops the padding away.
public func zeroPadding2d(_ input: some TensorOperand, top: Int, bottom: Int, left: Int, right: Int) throws -> Tensor {
    let input = input.operand
    return try zeroPadding2d(input, ZeroPaddingGradient(top: top, bottom: bottom, left: left, right: right), op: "zeroPadding2d")
}

/// `zeroPadding2d` with a long-lived rule (a layer's), naming `op` in errors.
func zeroPadding2d(_ input: Tensor, _ rule: ZeroPaddingGradient, op: String) throws -> Tensor {
    guard [rule.top, rule.bottom, rule.left, rule.right].allSatisfy({ $0 >= 0 }) else {
        throw SwiftCNNError(
            "\(op): padding must not be negative, got ((\(rule.top), \(rule.bottom)), (\(rule.left), \(rule.right)))")
    }
    guard input.rank == 4 else { throw SwiftCNNError("\(op): expected a 4-D NHWC input, got shape \(describe(input.shape))") }
    let (n, h, w, c) = (input.shape[0], input.shape[1], input.shape[2], input.shape[3])
    let (outH, outW) = (h + rule.top + rule.bottom, w + rule.left + rule.right)
    var output = Tensor(shape: Shapes.of(n, outH, outW, c), repeating: 0)
    rule.copyRows(from: input.pointer, into: output.pointer, images: n, height: h, width: w, channels: c, crop: false)
    output.record(rule, input)?.saved = .inputShape(input.shape)
    return output
}

/// Crops the padding off the output gradient. Saved shape: the input's.
final class ZeroPaddingGradient: BackwardRule, Sendable {
    let top: Int, bottom: Int, left: Int, right: Int

    init(top: Int, bottom: Int, left: Int, right: Int) {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    /// Copies each input row to its place in the padded image (or back, when `crop`).
    func copyRows(
        from source: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, images: Int, height: Int, width: Int,
        channels: Int, crop: Bool
    ) {
        let outW = width + left + right
        let outH = height + top + bottom
        let row = width * channels
        ThreadPool.shared.parallelFor(images * height, minimumWork: 1 << 15, work: images * height * row) { _, rows in
            for r in rows {
                let (image, y) = (r / height, r % height)
                let padded = ((image * outH + y + top) * outW + left) * channels
                let plain = r * row
                if crop {
                    (target + plain).update(from: source + padded, count: row)
                } else {
                    (target + padded).update(from: source + plain, count: row)
                }
            }
        }
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .inputShape(inputShape) = node.saved else { throw SavedForBackward.mismatch("zeroPadding2d") }
        let gradInput = Tensor(uninitializedShape: inputShape)
        copyRows(
            from: gradOutput.pointer, into: gradInput.pointer, images: inputShape[0], height: inputShape[1],
            width: inputShape[2], channels: inputShape[3], crop: true)
        node.send(gradInput, toInput: 0)
    }
}
