import CSwiftCNNSupport
import Foundation

/// The activations the course uses, by their Keras names.
public enum ActivationFunction: String, Sendable, CaseIterable {
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
            return pointwise(input, swiftcnn_relu_backward) { x, y, n in swiftcnn_relu_forward(x, y, n) }
        case .sigmoid:
            return pointwise(input, swiftcnn_sigmoid_backward) { x, y, n in swiftcnn_sigmoid_forward(x, y, n) }
        case .tanh:
            return pointwise(input, swiftcnn_tanh_backward) { x, y, n in swiftcnn_tanh_forward(x, y, n) }
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
            y.record([input]) { [y] dy in
                let dx = Tensor(uninitializedShape: dy.shape)
                for r in 0..<rows {
                    let (g, o, d) = (dy.pointer + r * width, y.pointer + r * width, dx.pointer + r * width)
                    var dot: Float = 0
                    for j in 0..<width { dot += g[j] * o[j] }
                    for j in 0..<width { d[j] = o[j] * (g[j] - dot) }
                }
                return [dx]
            }
            y.softmaxLogits = TensorBox(input)
            return y
        }
    }

    /// An elementwise activation whose gradient depends only on its output:
    /// `forward(x, y, count)` fills y; `backward(dy, y, dx, count)` fills dx.
    private func pointwise(
        _ input: Tensor,
        _ backward: @escaping @convention(c) (UnsafePointer<Float>?, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void,
        forward: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        let n = input.count
        let (x, y) = (input.pointer, Tensor(uninitializedShape: input.shape))
        let out = y.pointer
        ThreadPool.shared.elementwise(n) { forward(x + $0.lowerBound, out + $0.lowerBound, $0.count) }
        var result = y
        // Captures `y` before `record` gives `result` its node, so the closure holds no cycle.
        result.record([input]) { dy in
            let dx = Tensor(uninitializedShape: dy.shape)
            let (g, o, d) = (dy.pointer, y.pointer, dx.pointer)
            ThreadPool.shared.elementwise(n) { backward(g + $0.lowerBound, o + $0.lowerBound, d + $0.lowerBound, $0.count) }
            return [dx]
        }
        return result
    }
}
