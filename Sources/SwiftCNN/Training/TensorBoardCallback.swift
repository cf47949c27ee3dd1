import Foundation

/// Writes TensorBoard event files as Keras's `TensorBoard(log_dir)` callback does, so
/// `tensorboard --logdir logs` shows a SwiftCNN run as it shows a Keras one:
///
/// - `<logDir>/train`: `epoch_loss`, `epoch_sparse_categorical_accuracy` (each metric),
///   `epoch_learning_rate`, at step = epoch (from zero); with `updateFreq` set,
///   `batch_loss` and `batch_<metric>` every that many steps, at step = the optimizer's
///   step count; with `histogramFreq` set, a histogram of every weight
///   (`<model>/<layer>/<variable>/histogram`) every that many epochs.
/// - `<logDir>/validation`: the same epoch tags for the validation values, and
///   `evaluation_loss_vs_iterations` (and each metric's) at step = the optimizer's steps.
///
/// Each run adds one new event file to each folder (a resumed run continues the steps).
/// Records are appended as they happen and made durable at each epoch's end, so after a
/// kill the files hold every epoch finished before it.
///
/// ```swift
/// try model.fit(x: x, y: y, epochs: 5, validationData: (tx, ty),
///               callbacks: [TensorBoard(logDir: "logs", histogramFreq: 1)])
/// ```
public final class TensorBoard: Callback {
    /// How often batch-level scalars are written.
    public enum UpdateFrequency: Equatable, Sendable {
        /// Epoch-level scalars only (Keras's `update_freq="epoch"`).
        case epoch
        /// Also batch-level scalars every `n` training steps (`update_freq=n`;
        /// `"batch"` is 1).
        case batches(Int)
    }

    /// The folder holding `train/` and `validation/`.
    public let logDir: String
    /// Epochs between weight histograms; 0 writes none.
    public let histogramFreq: Int
    /// Whether and how often batch-level scalars are written.
    public let updateFreq: UpdateFrequency
    private var trainWriter: EventFileWriter?
    private var validationWriter: EventFileWriter?

    /// - Parameters:
    ///   - logDir: the folder for the event files (created if missing).
    ///   - histogramFreq: epochs between weight histograms (0: none).
    ///   - updateFreq: `.epoch`, or `.batches(n)` for batch scalars every `n` steps.
    public init(logDir: String, histogramFreq: Int = 0, updateFreq: UpdateFrequency = .epoch) throws {
        guard histogramFreq >= 0 else {
            throw SwiftCNNError("TensorBoard: histogramFreq must be 0 or positive, got \(histogramFreq)")
        }
        if case .batches(let n) = updateFreq, n <= 0 {
            throw SwiftCNNError("TensorBoard: updateFreq must be a positive number of batches, got \(n)")
        }
        self.logDir = logDir
        self.histogramFreq = histogramFreq
        self.updateFreq = updateFreq
    }

    /// The event file of the training values, once training has begun.
    public var trainFile: String? { trainWriter?.path }
    /// The event file of the validation values, once the first validation has run.
    public var validationFile: String? { validationWriter?.path }

    /// Opens a new event file in `<logDir>/train`.
    public func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) throws {
        trainWriter = try EventFileWriter(directory: folder("train"))
    }

    /// Writes the batch scalars every `updateFreq` steps.
    public func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) throws {
        guard case .batches(let every) = updateFreq, let trainWriter else { return }
        // Keras counts the steps of this fit from 1; the optimizer's count is the same for
        // a fresh run and carries on for a resumed one.
        let step = model.optimizer?.iterations ?? batch + 1
        guard step % every == 0 else { return }
        for (name, value) in logs.sorted(by: { $0.key < $1.key }) {
            try trainWriter.append(Summaries.scalar("batch_" + name, value, step: step))
        }
    }

    /// Writes the epoch scalars (and histograms), then syncs both files.
    public func onEpochEnd(_ epoch: Int, logs: [String: Double], model: Model) throws {
        guard let trainWriter else { return }
        let training = logs.filter { !$0.key.hasPrefix("val_") }.sorted { Self.kerasOrder($0.key, $1.key) }
        let validation = logs.filter { $0.key.hasPrefix("val_") }.sorted { Self.kerasOrder($0.key, $1.key) }
        for (name, value) in training {
            try trainWriter.append(Summaries.scalar("epoch_" + name, value, step: epoch))
        }
        if let optimizer = model.optimizer {
            try trainWriter.append(Summaries.scalar("epoch_learning_rate", Double(optimizer.learningRate), step: epoch))
        }
        if histogramFreq > 0, epoch % histogramFreq == 0 {
            for (name, parameter) in model.kerasVariableNames {
                // Keras 3's weight paths: always under the model's name, without ":0".
                var path = name.hasSuffix(":0") ? String(name.dropLast(2)) : name
                if !path.hasPrefix(model.name + "/") { path = model.name + "/" + path }
                let tag = path + "/histogram"
                try parameter.value.withUnsafeBufferPointer {
                    try trainWriter.append(Summaries.histogram(tag, $0, step: epoch))
                }
            }
        }
        if !validation.isEmpty {
            if validationWriter == nil { validationWriter = try EventFileWriter(directory: folder("validation")) }
            let writer = validationWriter!
            let steps = model.optimizer?.iterations ?? 0
            for (name, value) in validation {
                try writer.append(Summaries.scalar("evaluation_\(name.dropFirst(4))_vs_iterations", value, step: steps))
            }
            for (name, value) in validation {
                try writer.append(Summaries.scalar("epoch_" + name.dropFirst(4), value, step: epoch))
            }
            try writer.sync()
        }
        try trainWriter.sync()
    }

    /// Closes the event files.
    public func onTrainEnd(model: Model, history: History) throws {
        trainWriter?.close()
        validationWriter?.close()
        trainWriter = nil
        validationWriter = nil
    }

    private func folder(_ name: String) -> String { (logDir as NSString).appendingPathComponent(name) }

    /// Keras logs the loss first, then the metrics.
    private static func kerasOrder(_ a: String, _ b: String) -> Bool {
        let (aLoss, bLoss) = (a.hasSuffix("loss"), b.hasSuffix("loss"))
        return aLoss != bLoss ? aLoss : a < b
    }
}
