/// Keras 3's `ReduceLROnPlateau`: when the monitored value has not improved by `minDelta`
/// for `patience` epochs, multiplies the learning rate by `factor` (not below `minLR`),
/// then waits `cooldown` epochs before counting again. Unlike Keras it cannot add
/// `learning_rate` to the epoch's logs (callbacks see them read-only); setting the rate of
/// an optimizer with a schedule replaces the schedule (Keras refuses).
public final class ReduceLROnPlateau: Callback {
    /// The logged value watched (`val_loss`).
    public let monitor: String
    /// The factor the rate is multiplied by (below 1).
    public let factor: Double
    /// Epochs without improvement before the rate is reduced.
    public let patience: Int
    /// Which way the value improves.
    public let mode: MonitorMode
    /// The least change that counts as an improvement.
    public let minDelta: Double
    /// Epochs after a reduction before epochs without improvement are counted again.
    public let cooldown: Int
    /// The rate is never reduced below this.
    public let minLR: Double
    /// Whether to print a line at each reduction.
    public let verbose: Bool
    /// The best monitored value so far (nil before the first).
    public private(set) var best: Double?
    private var wait = 0
    private var cooldownCounter = 0
    private var comparison: Monitor
    private let log: (String) -> Void

    /// Keras's `ReduceLROnPlateau(monitor, factor, patience, verbose, mode, min_delta,
    /// cooldown, min_lr)` with its defaults. A `factor` of 1 or more is an error when
    /// training begins, as Keras's constructor raises.
    public init(
        monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 10, verbose: Bool = false,
        mode: MonitorMode = .auto, minDelta: Double = 1e-4, cooldown: Int = 0, minLR: Double = 0,
        log: @escaping (String) -> Void = { print($0) }
    ) {
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.minDelta = minDelta
        self.cooldown = cooldown
        self.minLR = minLR
        self.comparison = Monitor(monitor, mode: mode, minDelta: minDelta)
        self.log = log
    }

    public func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws {
        guard factor < 1, factor.isFinite else {
            throw SwiftCNNError("ReduceLROnPlateau: factor must be below 1, got \(factor)")
        }
        (best, cooldownCounter, wait) = (nil, 0, 0)
    }

    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws {
        try comparison.resolve(model: model, callback: "ReduceLROnPlateau")
        guard let current = logs[monitor] else {
            log("warning: ReduceLROnPlateau: learning rate reduction is conditioned on metric `\(monitor)` which is not available. Available metrics are: \(logs.keys.sorted().joined(separator: ","))")
            return
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            wait = 0
        }
        if comparison.isImprovement(current, over: best) {
            best = current
            wait = 0
        } else if cooldownCounter == 0 {
            wait += 1
            guard wait >= patience, let optimizer = model.optimizer else { return }
            // In Python's double, from the float32 rate, as Keras computes it.
            let old = Double(optimizer.learningRate)
            guard old > Double(Float(minLR)) else { return }
            let new = max(old * factor, minLR)
            optimizer.learningRate = Float(new)
            if verbose { log("\nEpoch \(epoch + 1): ReduceLROnPlateau reducing learning rate to \(new).") }
            cooldownCounter = cooldown
            wait = 0
        }
    }
}
