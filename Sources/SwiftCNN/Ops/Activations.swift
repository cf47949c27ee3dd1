import Foundation

/// The activations as functions, as `keras.ops.relu`/`sigmoid`/`tanh`/`softmax`/
/// `log_softmax`. The `Activation` layer and the layers' `activation:` argument use the
/// same kernels.

/// max(x, 0) for every element.
public func relu(_ x: some TensorOperand) -> Tensor { ActivationFunction.relu.apply(x.operand) }
/// 1 / (1 + e^−x) for every element.
public func sigmoid(_ x: some TensorOperand) -> Tensor { ActivationFunction.sigmoid.apply(x.operand) }
/// The hyperbolic tangent of every element.
public func tanh(_ x: some TensorOperand) -> Tensor { ActivationFunction.tanh.apply(x.operand) }

/// e^x / Σ e^x along `axis` (the last by default), computed stably.
public func softmax(_ x: some TensorOperand, axis: Int = -1) throws -> Tensor {
    let input = x.operand
    let resolved = try normalizedAxis(axis, rank: max(input.rank, 1), op: "softmax")
    if resolved == max(input.rank, 1) - 1 { return ActivationFunction.softmax.apply(input) }
    var y = alongAxis(input, resolved, logarithm: false)
    y.record(AxisSoftmaxGradient.softmax, input)?.saved = .softmax(output: y.detached, axis: resolved)
    return y
}

/// log(softmax(x)) along `axis`, computed as x − max − log Σ e^(x − max) so it stays finite.
public func logSoftmax(_ x: some TensorOperand, axis: Int = -1) throws -> Tensor {
    let input = x.operand
    let resolved = try normalizedAxis(axis, rank: max(input.rank, 1), op: "logSoftmax")
    var y = alongAxis(input, resolved, logarithm: true)
    y.record(AxisSoftmaxGradient.logSoftmax, input)?.saved = .softmax(output: y.detached, axis: resolved)
    return y
}

/// The extents around `axis`: the product of the sizes before, the size of, and the
/// product after it, so element (o, j, i) sits at `(o·n + j)·inner + i`.
func extents(_ shape: [Int], around axis: Int) -> (outer: Int, size: Int, inner: Int) {
    guard !shape.isEmpty else { return (1, 1, 1) }
    return (shape[..<axis].reduce(1, *), shape[axis], shape[(axis + 1)...].reduce(1, *))
}

/// Softmax or log-softmax along `axis`, without autograd.
private func alongAxis(_ input: Tensor, _ axis: Int, logarithm: Bool) -> Tensor {
    let (outer, n, inner) = extents(input.shape, around: axis)
    let result = Tensor(uninitializedShape: input.shape)
    let (x, y) = (input.pointer, result.pointer)
    ThreadPool.shared.parallelFor(outer * inner, minimumWork: 1 << 12, work: input.count) { _, range in
        for line in range {
            let base = (line / inner) * n * inner + line % inner
            var peak = -Float.infinity
            for j in 0..<n { peak = Swift.max(peak, x[base + j * inner]) }
            var sum: Float = 0
            for j in 0..<n { sum += expf(x[base + j * inner] - peak) }
            let logSum = logf(sum)
            for j in 0..<n {
                let shifted = x[base + j * inner] - peak
                y[base + j * inner] = logarithm ? shifted - logSum : expf(shifted) / sum
            }
        }
    }
    return result
}

/// The gradients of softmax (dx = y·(dy − Σ dy·y)) and log-softmax (dx = dy − e^y·Σ dy)
/// along a saved axis.
final class AxisSoftmaxGradient: BackwardRule, Sendable {
    static let softmax = AxisSoftmaxGradient(logarithm: false)
    static let logSoftmax = AxisSoftmaxGradient(logarithm: true)

    private let logarithm: Bool

    private init(logarithm: Bool) { self.logarithm = logarithm }

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .softmax(output, axis) = node.saved else { throw SavedForBackward.mismatch("softmax") }
        let (outer, n, inner) = extents(output.shape, around: axis)
        let result = Tensor(uninitializedShape: output.shape)
        let (y, g, d) = (output.pointer, gradient.pointer, result.pointer)
        let logarithm = self.logarithm
        ThreadPool.shared.parallelFor(outer * inner, minimumWork: 1 << 12, work: output.count) { _, range in
            for line in range {
                let base = (line / inner) * n * inner + line % inner
                var dot: Float = 0
                for j in 0..<n { dot += logarithm ? g[base + j * inner] : g[base + j * inner] * y[base + j * inner] }
                for j in 0..<n {
                    let at = base + j * inner
                    d[at] = logarithm ? g[at] - expf(y[at]) * dot : y[at] * (g[at] - dot)
                }
            }
        }
        node.send(result, toInput: 0)
    }
}
