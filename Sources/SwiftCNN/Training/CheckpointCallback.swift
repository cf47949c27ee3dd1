/// Saves the model's weights after an epoch, as Keras's
/// `ModelCheckpoint(filepath, save_weights_only=True, save_best_only=True)`: with
/// `saveBestOnly`, only when the monitored value (`val_loss` by default) improves on the
/// best seen by this callback. Writes the format `filepath`'s extension names: TensorFlow's
/// checkpoint files (`<filepath>.index`, `<filepath>.data-00000-of-00001`, `checkpoint`),
/// as tf.keras 2 does, or Keras 3's `.weights.h5`, as Keras 3 does (or `.safetensors`).
public final class ModelCheckpoint: Callback {
    /// The checkpoint prefix written (`checkpoint/Baseline.ckpt`).
    public let filepath: String
    /// The logged value compared (lower is better).
    public let monitor: String
    /// Whether to save only when the monitored value improves.
    public let saveBestOnly: Bool
    /// The best monitored value so far; a fresh callback starts from +∞ as Keras's does.
    public private(set) var best = Double.infinity
    /// Epochs (from zero) after which a checkpoint was written.
    public private(set) var savedEpochs: [Int] = []
    private let log: (String) -> Void

    /// `best` continues an earlier run's best value (a resumed run); Keras starts at +∞.
    public init(
        filepath: String, monitor: String = "val_loss", saveBestOnly: Bool = true, best: Double = .infinity,
        log: @escaping (String) -> Void = { _ in }
    ) {
        self.filepath = filepath
        self.best = best
        self.monitor = monitor
        self.saveBestOnly = saveBestOnly
        self.log = log
    }

    /// Saves the weights if the epoch's monitored value is the best so far (or always,
    /// without `saveBestOnly`).
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws {
        if saveBestOnly {
            guard let current = logs[monitor] else {
                log("Can save best model only with \(monitor) available, skipping.")
                return
            }
            guard current < best else { return }
            best = current
        }
        // Every rank of an MPI job keeps the same best; rank 0 writes the file.
        guard try DataParallel.current()?.isPrimary ?? true else { return }
        try model.saveWeights(to: filepath)
        savedEpochs.append(epoch)
    }
}
