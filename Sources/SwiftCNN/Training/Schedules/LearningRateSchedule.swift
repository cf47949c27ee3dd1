/// A learning rate that changes with the optimizer's step, as Keras's
/// `keras.optimizers.schedules.LearningRateSchedule`. An optimizer given one evaluates it
/// at its `iterations` (the steps taken before the update being made), as Keras does.
///
/// ```swift
/// let optimizer = Adam(learningRate: ExponentialDecay(initialLearningRate: 0.01, decaySteps: 100, decayRate: 0.9))
/// ```
public protocol LearningRateSchedule: Sendable {
    /// The learning rate at `step` (0 for the first update).
    func callAsFunction(step: Int) -> Float
    /// Keras's class name (`ExponentialDecay`), for a `.keras` file's `compile_config`.
    var kerasClassName: String { get }
    /// Keras's `get_config()` as numbers, flags or nothing (`warmup_target` unset), and `name`.
    var kerasConfig: [String: KerasOptimizerDescription.Value] { get }
}
