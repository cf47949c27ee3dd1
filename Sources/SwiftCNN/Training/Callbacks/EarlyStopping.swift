/// Keras 3's `EarlyStopping`: stops `fit` when the monitored value has not improved by
/// `minDelta` for `patience` epochs (counted from `startFromEpoch`, and while it is not
/// better than `baseline`), optionally putting back the weights of the best epoch when
/// training ends. An interrupted run (Ctrl-C) keeps its current weights, so it can resume.
public final class EarlyStopping: Callback {
    /// The logged value watched (`val_loss`).
    public let monitor: String
    /// The least change that counts as an improvement.
    public let minDelta: Double
    /// Epochs without improvement before training stops.
    public let patience: Int
    /// Which way the value improves.
    public let mode: MonitorMode
    /// A value the monitored one must beat for an improvement to reset the count (nil: any).
    public let baseline: Double?
    /// Whether to restore the best epoch's weights (all of them, moving statistics too)
    /// when training ends.
    public let restoreBestWeights: Bool
    /// Epochs before this one are not watched (a warm-up).
    public let startFromEpoch: Int
    /// Whether to print a line when stopping and when restoring.
    public let verbose: Bool
    /// The epoch (from zero) at which training was stopped, or 0 if it was not.
    public private(set) var stoppedEpoch = 0
    /// The epoch with the best monitored value.
    public private(set) var bestEpoch = 0
    /// The best monitored value so far (nil before the first).
    public private(set) var best: Double?
    private var wait = 0
    private var bestWeights: [[Float]]?
    private var comparison: Monitor
    private let log: (String) -> Void

    /// Keras's `EarlyStopping(monitor, min_delta, patience, verbose, mode, baseline,
    /// restore_best_weights, start_from_epoch)` with its defaults.
    public init(
        monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, verbose: Bool = false,
        mode: MonitorMode = .auto, baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0,
        log: @escaping (String) -> Void = { print($0) }
    ) {
        self.monitor = monitor
        self.minDelta = minDelta
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
        self.comparison = Monitor(monitor, mode: mode, minDelta: minDelta)
        self.log = log
    }

    public func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws {
        (wait, stoppedEpoch, best, bestWeights, bestEpoch) = (0, 0, nil, nil, 0)
    }

    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws {
        try comparison.resolve(model: model, callback: "EarlyStopping")
        guard let current = logs[monitor] else {
            log("warning: EarlyStopping: early stopping conditioned on metric `\(monitor)` which is not available. Available metrics are: \(logs.keys.sorted().joined(separator: ","))")
            return
        }
        guard epoch >= startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil {
            // The first watched epoch is the best so far, whatever its value.
            bestWeights = model.weights.map(\.value.scalars)
            bestEpoch = epoch
        }
        wait += 1
        if comparison.isImprovement(current, over: best) {
            best = current
            bestEpoch = epoch
            if restoreBestWeights { bestWeights = model.weights.map(\.value.scalars) }
            if baseline == nil || comparison.isImprovement(current, over: baseline) { wait = 0 }
            return
        }
        if wait >= patience && epoch > 0 {
            stoppedEpoch = epoch
            model.stopTraining = true
        }
    }

    public func onTrainEnd(model: Model, history: History) throws {
        if stoppedEpoch > 0 && verbose { log("Epoch \(stoppedEpoch + 1): early stopping") }
        guard restoreBestWeights, let bestWeights, history.interruptedEpoch == nil else { return }
        if verbose { log("Restoring model weights from the end of the best epoch: \(bestEpoch + 1).") }
        for (parameter, values) in zip(model.weights, bestWeights) {
            parameter.value = try Tensor(shape: parameter.shape, scalars: values)
        }
    }
}
