import Foundation

/// Keras 3's `ExponentialDecay`: `initialLearningRate · decayRate^(step / decaySteps)`, the
/// exponent floored with `staircase`, all in float32 as Keras computes it.
public struct ExponentialDecay: LearningRateSchedule {
    /// The rate at step 0.
    public let initialLearningRate: Float
    /// Steps over which the rate is multiplied by `decayRate` once.
    public let decaySteps: Int
    /// The factor per `decaySteps` steps.
    public let decayRate: Float
    /// Whether the rate changes in whole `decaySteps` steps only.
    public let staircase: Bool
    /// Keras's schedule name.
    public let name: String

    /// Keras's `ExponentialDecay(initial_learning_rate, decay_steps, decay_rate, staircase)`.
    /// A non-positive `decaySteps` is taken as 1 (Keras raises).
    public init(
        initialLearningRate: Float, decaySteps: Int, decayRate: Float, staircase: Bool = false,
        name: String = "ExponentialDecay"
    ) {
        self.initialLearningRate = initialLearningRate
        self.decaySteps = max(decaySteps, 1)
        self.decayRate = decayRate
        self.staircase = staircase
        self.name = name
    }

    public func callAsFunction(step: Int) -> Float {
        var p = Float(step) / Float(decaySteps)
        if staircase { p = p.rounded(.down) }
        return initialLearningRate * powf(decayRate, p)
    }

    public var kerasClassName: String { "ExponentialDecay" }
    public var kerasConfig: [String: KerasOptimizerDescription.Value] {
        [
            "initial_learning_rate": .number(initialLearningRate), "decay_steps": .integer(decaySteps),
            "decay_rate": .number(decayRate), "staircase": .flag(staircase), "name": .text(name),
        ]
    }
}
