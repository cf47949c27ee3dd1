import Foundation

/// Keras 3's `CosineDecay`: an optional linear warm-up from `initialLearningRate` to
/// `warmupTarget` over `warmupSteps` steps, then a cosine decay over `decaySteps` steps
/// from the warm-up target (or the initial rate) down to `alpha` times it, held there
/// after; in float32 as Keras computes it.
public struct CosineDecay: LearningRateSchedule {
    /// The rate at step 0.
    public let initialLearningRate: Float
    /// Steps of the cosine part.
    public let decaySteps: Int
    /// The final rate as a fraction of the rate the decay starts from.
    public let alpha: Float
    /// Keras's schedule name.
    public let name: String
    /// The rate the warm-up reaches (nil: no warm-up).
    public let warmupTarget: Float?
    /// Steps of the warm-up.
    public let warmupSteps: Int

    /// Keras's `CosineDecay(initial_learning_rate, decay_steps, alpha, name, warmup_target,
    /// warmup_steps)`. A non-positive `decaySteps` is taken as 1 (Keras raises).
    public init(
        initialLearningRate: Float, decaySteps: Int, alpha: Float = 0, name: String = "CosineDecay",
        warmupTarget: Float? = nil, warmupSteps: Int = 0
    ) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = max(decaySteps, 1)
        self.alpha = alpha
        self.name = name
        self.warmupTarget = warmupTarget
        self.warmupSteps = max(warmupSteps, 0)
    }

    public func callAsFunction(step: Int) -> Float {
        let decaySteps = Float(self.decaySteps)
        var step = Float(step)
        guard let warmupTarget else {
            return decay(min(step, decaySteps), decaySteps, from: initialLearningRate)
        }
        let warmupSteps = Float(self.warmupSteps)
        step = min(step, decaySteps + warmupSteps)
        if step < warmupSteps {
            return (warmupTarget - initialLearningRate) * (step / warmupSteps) + initialLearningRate
        }
        return decay(step - warmupSteps, decaySteps, from: warmupTarget)
    }

    private func decay(_ step: Float, _ decaySteps: Float, from rate: Float) -> Float {
        let cosine = 0.5 * (1 + cosf(Float.pi * (step / decaySteps)))
        // Keras's `(1 - self.alpha)` is a Python double, made float32 when it meets the tensor.
        let decayed = Float(1 - Double(alpha)) * cosine + alpha
        return rate * decayed
    }

    public var kerasClassName: String { "CosineDecay" }
    public var kerasConfig: [String: KerasOptimizerDescription.Value] {
        [
            "initial_learning_rate": .number(initialLearningRate), "decay_steps": .integer(decaySteps),
            "alpha": .number(alpha), "name": .text(name), "warmup_target": warmupTarget.map { .number($0) } ?? .none,
            "warmup_steps": .integer(warmupSteps),
        ]
    }
}
