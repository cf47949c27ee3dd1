/// Keras's rectified linear unit with its options, as `keras.layers.ReLU`:
/// `min(x, maxValue)` for `x > threshold`, `negativeSlope · (x − threshold)` below (with
/// Keras's composition exactly: `relu`, `clip(·, 0, maxValue)`, `− slope · relu(threshold − x)`).
public func relu(_ input: some TensorOperand, maxValue: Float? = nil, negativeSlope: Float = 0, threshold: Float = 0) -> Tensor {
    let input = input.operand
    return relu(input, RectifierGradient(maxValue: maxValue, negativeSlope: negativeSlope, threshold: threshold))
}

/// The leaky rectifier `x` for `x > 0`, `negativeSlope · x` otherwise, as
/// `keras.ops.leaky_relu` (whose default slope is 0.2; the `LeakyReLU` layer's is 0.3).
public func leakyRelu(_ input: some TensorOperand, negativeSlope: Float = 0.2) -> Tensor {
    let input = input.operand
    return relu(input, RectifierGradient(maxValue: nil, negativeSlope: negativeSlope, threshold: 0))
}

/// `relu` with a long-lived rule (a layer's).
func relu(_ input: Tensor, _ rule: RectifierGradient) -> Tensor {
    var output = Tensor(uninitializedShape: input.shape)
    let (x, y) = (UnsafePointer(input.pointer), output.pointer)
    ThreadPool.shared.elementwise(input.count) { range in
        for i in range { y[i] = rule.value(x[i]) }
    }
    output.record(rule, input)?.saved = .input(input.detached)
    return output
}

/// The rectifier's value and slope at one point. Saved: the input.
final class RectifierGradient: BackwardRule, Sendable {
    let maxValue: Float?
    let negativeSlope: Float
    let threshold: Float
    /// No clip and no threshold: Keras calls `leaky_relu` itself.
    let isPlainLeak: Bool
    /// A max of 6 without threshold: Keras calls `relu6`.
    let isRelu6: Bool

    init(maxValue: Float?, negativeSlope: Float, threshold: Float) {
        (self.maxValue, self.negativeSlope, self.threshold) = (maxValue, negativeSlope, threshold)
        isPlainLeak = maxValue == nil && threshold == 0 && negativeSlope != 0
        isRelu6 = maxValue == 6 && threshold == 0
    }

    @inline(__always)
    func value(_ x: Float) -> Float {
        var y: Float = x > threshold ? x : 0
        if let maxValue { y = min(max(y, 0), maxValue) }
        if negativeSlope != 0 { y -= negativeSlope * max(threshold - x, 0) }
        return y
    }

    @inline(__always)
    func slope(_ x: Float) -> Float {
        // Keras runs TensorFlow's leaky_relu for a plain leak, whose slope at 0 is the leak's.
        if isPlainLeak { return x > 0 ? 1 : negativeSlope }
        // The rectified part passes where x > threshold and the clip does not bind
        // (TensorFlow's clip passes its bounds, its relu6, which Keras runs for a max of 6
        // without threshold, does not); the leak adds its slope below threshold.
        let passesMax = maxValue.map { isRelu6 ? x < $0 : x >= 0 && x <= $0 } ?? true
        var d: Float = x > threshold && passesMax ? 1 : 0
        if negativeSlope != 0 && threshold - x > 0 { d += negativeSlope }
        return d
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .input(input) = node.saved else { throw SavedForBackward.mismatch("rectifier") }
        let gradInput = Tensor(uninitializedShape: input.shape)
        let (x, g, d) = (UnsafePointer(input.pointer), UnsafePointer(gradOutput.pointer), gradInput.pointer)
        ThreadPool.shared.elementwise(input.count) { range in
            for i in range { d[i] = g[i] * slope(x[i]) }
        }
        node.send(gradInput, toInput: 0, exclusive: true)
    }
}
