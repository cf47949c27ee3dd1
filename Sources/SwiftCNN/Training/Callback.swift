/// Hooks into `fit`, as Keras's callbacks. Every method has an empty default.
/// `logs` holds the values so far (`loss`, `sparse_categorical_accuracy`, and after
/// validation `val_loss`, …); epochs and batches count from zero.
public protocol Callback: AnyObject {
    func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws
    func onEpochBegin(_ epoch: Int, model: Model) throws
    func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) throws
    func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws
    func onTrainEnd(model: Model, history: History) throws
}

extension Callback {
    public func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws {}
    public func onEpochBegin(_ epoch: Int, model: Model) throws {}
    public func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) throws {}
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws {}
    public func onTrainEnd(model: Model, history: History) throws {}
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

    public init() {}

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
/// so `fit(resumingAt:)` can finish it as if it had never stopped.
public struct EpochProgress: Sendable, Equatable, Codable {
    public var epoch: Int
    /// Steps completed in this epoch.
    public var step: Int
    public var lossSum: Double
    public var seen: Int
    /// Each metric's `state` by name.
    public var metrics: [String: [Double]]
}
