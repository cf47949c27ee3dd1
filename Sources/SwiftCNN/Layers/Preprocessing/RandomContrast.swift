/// Keras 3's `RandomContrast`: while training, moves each image's pixels away from (or
/// towards) the image's per-channel mean by a factor drawn per image, then clips to
/// `valueRange`: `clip((x − mean) · factor + mean)`.
///
/// The factor is drawn from [1 − lower, 1 + upper]. As in the installed Keras 3, a single
/// number f stands for (lower, upper) = (0, f), so `RandomContrast(0.5)` draws from [1, 1.5].
public final class RandomContrast: Layer {
    public let lower: Double, upper: Double
    public let valueRange: (Float, Float)

    /// `factor` in [0, 1].
    public convenience init(_ factor: Double, valueRange: (Float, Float) = (0, 255)) throws {
        guard factor >= 0, factor <= 1 else {
            throw SwiftCNNError("RandomContrast: factor must be in [0, 1], got \(factor)")
        }
        try self.init(range: (0, factor), valueRange: valueRange)
    }

    /// `range`: (lower, upper), each in [0, 1].
    public init(range: (Double, Double), valueRange: (Float, Float) = (0, 255)) throws {
        (lower, upper) = (min(range.0, range.1), max(range.0, range.1))
        guard lower >= 0, upper <= 1 else {
            throw SwiftCNNError("RandomContrast: factor must be in [0, 1], got (\(range.0), \(range.1))")
        }
        guard valueRange.0 < valueRange.1 else {
            throw SwiftCNNError("RandomContrast: value_range must be increasing, got (\(valueRange.0), \(valueRange.1))")
        }
        self.valueRange = valueRange
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        guard training else { return input }
        let (n, _, _, _) = try imageBatchDimensions(input, displayName)
        let factors = (0..<n).map { _ in Float(random.uniform(1 - lower, 1 + upper)) }
        var output = Tensor(uninitializedShape: input.shape)
        let passed = Tensor(uninitializedShape: input.shape)
        adjust(input, into: output, factors: factors, passed: passed)
        output.record(self, input)?.saved = .contrast(factors: factors, passed: passed)
        return output
    }

    /// Keras's `_adjust_contrast` and clip; `passed` is 1 where the clip let the value through.
    func adjust(_ input: Tensor, into output: Tensor, factors: [Float], passed: Tensor) {
        let (h, w, c) = (input.shape[1], input.shape[2], input.shape[3])
        let pixels = h * w
        var means = [Float](repeating: 0, count: c)
        for (i, factor) in factors.enumerated() {
            let x = input.pointer + i * pixels * c, y = output.pointer + i * pixels * c, p = passed.pointer + i * pixels * c
            channelMeans(x, pixels: pixels, channels: c, height: h, into: &means)
            for j in 0..<pixels {
                for k in 0..<c {
                    let value = (x[j * c + k] - means[k]) * factor + means[k]
                    let clipped = min(max(value, valueRange.0), valueRange.1)
                    y[j * c + k] = clipped
                    p[j * c + k] = clipped == value ? 1 : 0
                }
            }
        }
    }
}

/// Per-channel means of one [h, w, c] image, as Keras takes them: over the height first,
/// then over the width, in float.
func channelMeans(_ x: UnsafeMutablePointer<Float>, pixels: Int, channels c: Int, height h: Int, into means: inout [Float]) {
    let w = pixels / h
    for k in 0..<c {
        var total: Float = 0
        for col in 0..<w {
            var column: Float = 0
            for row in 0..<h { column += x[(row * w + col) * c + k] }
            total += column / Float(h)
        }
        means[k] = total / Float(w)
    }
}

extension RandomContrast: BackwardRule {
    /// With g the gradient that got through the clip, the input's gradient is
    /// f·g + (1 − f)·mean(g) per image and channel.
    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .contrast(factors, passed) = node.saved else { throw SavedForBackward.mismatch("RandomContrast") }
        let (h, w, c) = (gradOutput.shape[1], gradOutput.shape[2], gradOutput.shape[3])
        let pixels = h * w
        let gradInput = Tensor(uninitializedShape: gradOutput.shape)
        var means = [Float](repeating: 0, count: c)
        for (i, factor) in factors.enumerated() {
            let g = gradInput.pointer + i * pixels * c
            let go = gradOutput.pointer + i * pixels * c, p = passed.pointer + i * pixels * c
            for j in 0..<(pixels * c) { g[j] = go[j] * p[j] }
            channelMeans(g, pixels: pixels, channels: c, height: h, into: &means)
            for j in 0..<pixels {
                for k in 0..<c { g[j * c + k] = factor * g[j * c + k] + (1 - factor) * means[k] }
            }
        }
        node.send(gradInput, toInput: 0)
    }
}
