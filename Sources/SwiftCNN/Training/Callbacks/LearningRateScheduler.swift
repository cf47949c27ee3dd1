/// Keras 3's `LearningRateScheduler`: before each epoch, sets the optimizer's learning rate
/// to `schedule(epoch, currentRate)` (epochs from zero; the rate as a double, as Keras
/// passes a Python float, stored back as float32). Setting the rate of an optimizer with a
/// schedule replaces the schedule (Keras refuses).
///
/// ```swift
/// let scheduler = LearningRateScheduler { epoch, rate in epoch < 10 ? rate : rate * 0.9 }
/// ```
public final class LearningRateScheduler: Callback {
    /// The new rate from the epoch and the current rate.
    public let schedule: (_ epoch: Int, _ learningRate: Double) -> Double
    /// Whether to print the rate set at each epoch.
    public let verbose: Bool
    private let log: (String) -> Void

    /// Keras's `LearningRateScheduler(schedule, verbose)`.
    public init(
        verbose: Bool = false, log: @escaping (String) -> Void = { print($0) },
        _ schedule: @escaping (_ epoch: Int, _ learningRate: Double) -> Double
    ) {
        self.schedule = schedule
        self.verbose = verbose
        self.log = log
    }

    public func onEpochBegin(_ epoch: Int, model: Model) throws {
        guard let optimizer = model.optimizer else { return }
        let rate = schedule(epoch, Double(optimizer.learningRate))
        guard rate.isFinite, rate >= 0 else {
            throw SwiftCNNError("LearningRateScheduler: the schedule gave \(rate) for epoch \(epoch + 1); the learning rate must be a non-negative number")
        }
        optimizer.learningRate = Float(rate)
        if verbose { log("\nEpoch \(epoch + 1): LearningRateScheduler setting learning rate to \(rate).") }
    }
}
