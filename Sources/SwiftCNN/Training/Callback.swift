/// Hooks into `fit`, as Keras's callbacks. Every method has an empty default.
/// `logs` holds the values so far (`loss`, `sparse_categorical_accuracy`, and after
/// validation `val_loss`, …); epochs and batches count from zero.
public protocol Callback: AnyObject {
    /// Called once before the first epoch.
    func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws
    /// Called before each epoch.
    func onEpochBegin(_ epoch: Int, model: Model) throws
    /// Called after each training step with the epoch's running logs.
    func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) throws
    /// Called after each epoch (and its validation) with the epoch's logs.
    func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws
    /// Called once after training, also when it stopped early or was interrupted.
    func onTrainEnd(model: Model, history: History) throws
    /// Whether `fit` should stop after the current step (an interruption: the epoch is
    /// left unfinished, and `History.interruption` says where, to resume from there).
    var stopRequested: Bool { get }
    /// Where an earlier run of this training was interrupted, for `fit` to continue from.
    var resumePoint: EpochProgress? { get }
}

extension Callback {
    /// Does nothing.
    public func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws {}
    /// Does nothing.
    public func onEpochBegin(_ epoch: Int, model: Model) throws {}
    /// Does nothing.
    public func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) throws {}
    /// Does nothing.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws {}
    /// Does nothing.
    public func onTrainEnd(model: Model, history: History) throws {}
    /// Never asks to stop.
    public var stopRequested: Bool { false }
    /// No earlier run to continue.
    public var resumePoint: EpochProgress? { nil }
}

/// Per-epoch values of every logged quantity, as Keras's `History.history`.
public struct History: Sendable, Equatable {
    /// Epoch indices (from zero) in the order they ran.
    public var epochs: [Int] = []
    /// `history["loss"][i]` is the value after epoch `epochs[i]`; validation keys appear
    /// only for validated epochs, so their arrays may be shorter.
    public var history: [String: [Double]] = [:]
    /// Set when `fit` stopped on an interruption during this epoch (not in `epochs`).
    public var interruptedEpoch: Int?
    /// Where in that epoch it stopped, to continue from there.
    public var interruption: EpochProgress?

    /// An empty history.
    public init() {}

    /// The values of `key` per epoch (empty if it was never logged).
    public subscript(key: String) -> [Double] { history[key] ?? [] }

    /// Appends another run's epochs (a resumed run continuing this one).
    public mutating func append(contentsOf other: History) {
        epochs += other.epochs
        for (key, values) in other.history { history[key, default: []] += values }
    }

    mutating func append(epoch: Int, logs: [String: Double]) {
        epochs.append(epoch)
        for (key, value) in logs { history[key, default: []].append(value) }
    }
}

/// How far an unfinished epoch got: the steps done and its running loss and metric sums,
/// so `fit` (given a ``ResumeCallback``) can finish it as if it had never stopped.
public struct EpochProgress: Sendable, Equatable, Codable {
    /// The epoch (from zero).
    public var epoch: Int
    /// Steps completed in this epoch.
    public var step: Int
    /// Sum over the steps done of the batch loss times the batch size.
    public var lossSum: Double
    /// Samples seen so far in the epoch.
    public var seen: Int
    /// Each metric's `state` by name.
    public var metrics: [String: [Double]]
}
