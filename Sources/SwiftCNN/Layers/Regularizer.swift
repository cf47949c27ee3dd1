/// A penalty on a parameter's values that training adds to the loss, as Keras's
/// `kernel_regularizer`.
public enum Regularizer: Sendable, Equatable {
    /// `factor · Σ w²`; Keras's `l2()` default factor is 0.01.
    case l2(Float = 0.01)
    /// `factor · Σ |w|`.
    case l1(Float = 0.01)

    func loss(_ value: Tensor) -> Float {
        var sum: Float = 0
        value.withUnsafeBufferPointer { w in
            switch self {
            case .l2: for x in w { sum += x * x }
            case .l1: for x in w { sum += abs(x) }
            }
        }
        switch self {
        case .l2(let factor), .l1(let factor): return factor * sum
        }
    }

    func gradient(_ value: Tensor) -> Tensor {
        let result = Tensor(uninitializedShape: value.shape)
        let (w, g) = (value.pointer, result.pointer)
        switch self {
        case .l2(let factor): for i in 0..<value.count { g[i] = 2 * factor * w[i] }
        case .l1(let factor): for i in 0..<value.count { g[i] = w[i] > 0 ? factor : (w[i] < 0 ? -factor : 0) }
        }
        return result
    }
}
