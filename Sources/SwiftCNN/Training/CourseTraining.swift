import Foundation

/// The course's class-5 training script as one call: resume from the checkpoint if it
/// exists, `fit` with validation every epoch and a best-only `ModelCheckpoint`, then
/// write `weights.txt`, the accuracy/loss curves and `history.csv`.
///
/// ```swift
/// let run = CourseTraining(model: Baseline(), train: train, test: test, checkpoint: "checkpoint/Baseline.ckpt")
/// let history = try run.run()
/// ```
public struct CourseTraining {
    public var model: Model
    public var train: Dataset
    public var test: Dataset
    public var epochs = 5
    public var batchSize = 32
    public var learningRate: Float = 0.001
    /// Checkpoint path prefix: `<prefix>.index`, `<prefix>.data-00000-of-00001`, `checkpoint`.
    public var checkpoint: String
    /// Ignore an existing checkpoint.
    public var fresh = false
    public var weightsText: String? = "weights.txt"
    public var curves: String? = "curves.png"
    public var historyCSV: String? = "history.csv"
    public var verbose = true
    public var callbacks: [Callback] = []
    /// Where progress lines go (the resume notice, the summary, the files written).
    public var log: (String) -> Void = { print($0) }

    public init(model: Model, train: Dataset, test: Dataset, checkpoint: String) {
        self.model = model
        self.train = train
        self.test = test
        self.checkpoint = checkpoint
    }

    @discardableResult
    public func run() throws -> History {
        guard epochs > 0 else { throw SwiftCNNError("epochs must be positive, got \(epochs)") }
        guard batchSize > 0 else { throw SwiftCNNError("batch size must be positive, got \(batchSize)") }
        guard learningRate > 0, learningRate.isFinite else {
            throw SwiftCNNError("learning rate must be a positive number, got \(learningRate)")
        }
        guard train.imageShape == test.imageShape else {
            throw SwiftCNNError("training images \(train.imageShape) and test images \(test.imageShape) differ in shape")
        }
        if !model.isBuilt { try model.build(inputShape: train.imageShape) }
        model.compile(
            optimizer: Adam(learningRate: learningRate), loss: SparseCategoricalCrossentropy(fromLogits: false),
            metrics: [SparseCategoricalAccuracy()])
        if !fresh, FileManager.default.fileExists(atPath: checkpoint + ".index") {
            log("-------------load the model-----------------")
            try model.loadWeights(checkpoint)
        }
        let saver = ModelCheckpoint(filepath: checkpoint, monitor: "val_loss", saveBestOnly: true)
        let history = try model.fit(
            x: train.images, y: train.labels, batchSize: batchSize, epochs: epochs,
            validationData: (test.images, test.labels), validationFreq: 1, callbacks: [saver] + callbacks,
            verbose: verbose)
        if verbose { log(model.summary()) }
        var written = ["\(checkpoint).index"]
        if let weightsText {
            try model.writeWeightsText(to: weightsText)
            written.append(weightsText)
        }
        if let historyCSV {
            try HistoryCSV.write(history.history, to: historyCSV)
            written.append(historyCSV)
        }
        if let curves {
            try TrainingCurves.write(history: history.history, to: curves)
            written.append(curves)
        }
        log("Wrote " + written.joined(separator: ", "))
        return history
    }
}
