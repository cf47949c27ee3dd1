import CSwiftCNNSupport
import Foundation

/// The activations the course uses, by their Keras names.
public enum ActivationFunction: String, Sendable, CaseIterable {
    /// Keras's activations: the identity, max(x, 0), 1 / (1 + e^−x), tanh, and softmax over
    /// the last axis.
    case linear, relu, sigmoid, tanh, softmax

    /// Applies the activation, recording its backward rule when `input` is tracked.
    /// Softmax works over the last axis and keeps its logits for the loss.
    public func apply(_ input: Tensor) -> Tensor {
        let n = input.count
        let x = input.pointer
        switch self {
        case .linear:
            return input
        case .relu:
            return pointwise(input, PointwiseGradient.relu) { x, y, n in swiftcnn_relu_forward(x, y, n) }
        case .sigmoid:
            return pointwise(input, PointwiseGradient.sigmoid) { x, y, n in swiftcnn_sigmoid_forward(x, y, n) }
        case .tanh:
            return pointwise(input, PointwiseGradient.tanh) { x, y, n in swiftcnn_tanh_forward(x, y, n) }
        case .softmax:
            let width = input.shape.last ?? 1
            let rows = width == 0 ? 0 : n / width
            var y = Tensor(uninitializedShape: input.shape)
            let out = y.pointer
            for r in 0..<rows {
                let (src, dst) = (x + r * width, out + r * width)
                var peak = -Float.infinity
                for j in 0..<width { peak = max(peak, src[j]) }
                var sum: Float = 0
                for j in 0..<width {
                    dst[j] = expf(src[j] - peak)
                    sum += dst[j]
                }
                let inverse = 1 / sum
                for j in 0..<width { dst[j] *= inverse }
            }
            y.record(SoftmaxGradient.shared, input)?.saved = .output(y.detached)
            y.softmaxLogits = SoftmaxLogits(input)
            return y
        }
    }

    /// An elementwise activation whose gradient depends only on its output:
    /// `forward(x, y, count)` fills y; the rule's backward fills dx from dy and y.
    private func pointwise(
        _ input: Tensor, _ rule: PointwiseGradient,
        forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        let n = input.count
        let x = input.pointer
        var y = Tensor(uninitializedShape: input.shape)
        let out = y.pointer
        ThreadPool.shared.elementwise(n) { forward(x + $0.lowerBound, out + $0.lowerBound, $0.count) }
        y.record(rule, input)?.saved = .output(y.detached)
        return y
    }
}

/// The backward of an elementwise activation, from its output alone: `backward(dy, y, dx, count)`.
/// Saved: the output.
final class PointwiseGradient: BackwardRule, Sendable {
    typealias Kernel = @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void

    static let relu = PointwiseGradient(swiftcnn_relu_backward)
    static let sigmoid = PointwiseGradient(swiftcnn_sigmoid_backward)
    static let tanh = PointwiseGradient(swiftcnn_tanh_backward)

    private let kernel: Kernel

    private init(_ kernel: Kernel) { self.kernel = kernel }

    func backward(_ node: GradNode, _ dy: Tensor) throws {
        guard case let .output(y) = node.saved else { throw SavedForBackward.mismatch("activation") }
        let dx = Tensor(uninitializedShape: dy.shape)
        let (g, o, d, kernel) = (dy.pointer, y.pointer, dx.pointer, kernel)
        ThreadPool.shared.elementwise(dy.count) { kernel(g + $0.lowerBound, o + $0.lowerBound, d + $0.lowerBound, $0.count) }
        node.send(dx, toInput: 0, exclusive: true)
    }
}

/// Softmax over the last axis: dx = y · (dy − Σ dy·y) per row. Saved: the output.
final class SoftmaxGradient: BackwardRule, Sendable {
    static let shared = SoftmaxGradient()

    func backward(_ node: GradNode, _ dy: Tensor) throws {
        guard case let .output(y) = node.saved else { throw SavedForBackward.mismatch("activation") }
        let width = y.shape.last ?? 1
        let rows = width == 0 ? 0 : y.count / width
        let dx = Tensor(uninitializedShape: dy.shape)
        for r in 0..<rows {
            let (g, o, d) = (dy.pointer + r * width, y.pointer + r * width, dx.pointer + r * width)
            var dot: Float = 0
            for j in 0..<width { dot += g[j] * o[j] }
            for j in 0..<width { d[j] = o[j] * (g[j] - dot) }
        }
        node.send(dx, toInput: 0, exclusive: true)
    }
}
