import CSwiftCNNSupport
import Foundation

/// Adam with Keras's defaults and Keras's update form:
/// `m ← m + (g − m)(1 − β1)`, `v ← v + (g² − v)(1 − β2)`,
/// `w ← w − lr · sqrt(1 − β2ᵗ)/(1 − β1ᵗ) · m / (sqrt(v) + ε)`.
public final class Adam: Optimizer {
    public let name = "Adam"
    /// The step size (Keras's default 0.001).
    public var learningRate: Float
    /// Decay of the first-moment (mean) estimate.
    public let beta1: Float
    /// Decay of the second-moment (uncentred variance) estimate.
    public let beta2: Float
    /// Added to the root of the second moment, as Keras does.
    public let epsilon: Float
    public var iterations = 0
    private var slotTable = SlotTable()

    /// Keras's `Adam(learning_rate, beta_1, beta_2, epsilon)` with its defaults.
    public init(learningRate: Float = 1e-3, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
    }

    public func apply(to parameters: [Parameter]) throws {
        iterations += 1
        let t = Double(iterations)
        let correction = Float(
            (1 - pow(Double(beta2), t)).squareRoot() / (1 - pow(Double(beta1), t)))
        let step = learningRate * correction
        let (b1, b2, eps) = (1 - beta1, 1 - beta2, epsilon)
        for parameter in parameters where parameter.isTrainable {
            guard let gradient = parameter.gradient else { continue }
            guard gradient.shape == parameter.shape else {
                throw SwiftCNNError.shapeMismatch("Adam", "gradient \(describe(gradient.shape)) does not match parameter '\(parameter.name)' \(describe(parameter.shape))")
            }
            let m = slotTable.slot("m", for: parameter)
            let v = slotTable.slot("v", for: parameter)
            let (g, mp, vp) = (gradient.pointer, m.pointer, v.pointer)
            parameter.value.withUnsafeMutableBufferPointer { w in
                let base = w.baseAddress!
                ThreadPool.shared.elementwise(w.count) { range in
                    let at = range.lowerBound
                    swiftcnn_adam_update(base + at, mp + at, vp + at, g + at, range.count, b1, b2, step, eps)
                }
            }
            withExtendedLifetime((gradient, m, v)) {}
        }
    }

    public func slots(for parameter: Parameter) -> [String: Tensor] { slotTable.get(parameter) }

    /// Restores the moments `m` and `v` of `parameter` (from a checkpoint).
    public func setSlots(_ slots: [String: Tensor], for parameter: Parameter) throws {
        try slotTable.set(slots, for: parameter, names: ["m", "v"])
    }
}
