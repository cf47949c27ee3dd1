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
    /// When set (by Ctrl-C in `swiftcnn train`), training stops after the current step,
    /// saves `<checkpoint>-last` and throws `TrainingInterrupted`; the next run resumes there.
    public var interruption: InterruptFlag?
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
        // Fail before training, not after the first epoch, when an output cannot be written.
        for path in [checkpoint + ".index", weightsText, curves, historyCSV].compactMap({ $0 }) {
            try checkWritable(path)
        }
        if !model.isBuilt { try model.build(inputShape: train.imageShape) }
        model.compile(
            optimizer: Adam(learningRate: learningRate), loss: SparseCategoricalCrossentropy(fromLogits: false),
            metrics: [SparseCategoricalAccuracy()])
        var initialEpoch = 0
        var earlier = History()
        var best = Double.infinity
        var progress: EpochProgress?
        if !fresh, let state = try ResumeState.read(resumeStatePath) {
            log("-------------load the model-----------------")
            let at = state.progress.map { "epoch \($0.epoch + 1), after step \($0.step)" } ?? "epoch \(state.epoch + 1)"
            log("Resuming the interrupted run at \(at) from \(lastPrefix)")
            try model.loadWeights(lastPrefix)
            (initialEpoch, earlier, best, progress) = (state.epoch, state.history, state.best, state.progress)
            state.restoreRandomState(of: model)
        } else if !fresh, FileManager.default.fileExists(atPath: checkpoint + ".index") {
            log("-------------load the model-----------------")
            try model.loadWeights(checkpoint)
        }
        let saver = ModelCheckpoint(filepath: checkpoint, monitor: "val_loss", saveBestOnly: true, best: best)
        let latest = try model.fit(
            x: train.images, y: train.labels, batchSize: batchSize, epochs: max(epochs, initialEpoch + 1),
            validationData: (test.images, test.labels), validationFreq: 1, initialEpoch: initialEpoch,
            callbacks: [saver] + callbacks, verbose: verbose, interruption: interruption, resumingAt: progress)
        var history = earlier
        history.append(contentsOf: latest)
        if let epoch = latest.interruptedEpoch {
            try KerasCheckpoint.save(model, prefix: lastPrefix, writeStateFile: false)
            try ResumeState(epoch: epoch, history: history, best: saver.best, progress: latest.interruption, model: model)
                .write(resumeStatePath)
            try writeCurvesAndHistory(history)
            throw TrainingInterrupted(
                message: "interrupted during epoch \(epoch + 1); saved the state to \(lastPrefix).index and \(resumeStatePath); run the same command again to continue")
        }
        try ResumeState.remove(resumeStatePath, prefix: lastPrefix)
        if verbose { log(model.summary()) }
        var written = ["\(checkpoint).index"]
        if let weightsText {
            try model.writeWeightsText(to: weightsText)
            written.append(weightsText)
        }
        try writeCurvesAndHistory(history)
        written += [historyCSV, curves].compactMap { $0 }
        log("Wrote " + written.joined(separator: ", "))
        return history
    }

    /// `<checkpoint>-last`: the weights and optimizer state of an interrupted run.
    public var lastPrefix: String { checkpoint + "-last" }
    /// `<checkpoint>-last.json`: where the interrupted run stopped, and its history.
    public var resumeStatePath: String { checkpoint + "-last.json" }

    /// Creates `path`'s folder if needed and checks that a file can be created there.
    private func checkWritable(_ path: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let directory = folder.isEmpty ? "." : folder
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SwiftCNNError("\(path): cannot create the folder \(directory) (\(error.localizedDescription))")
        }
        let probe = (directory as NSString).appendingPathComponent(".swiftcnn-write-test-\(getpid())")
        guard FileManager.default.createFile(atPath: probe, contents: Data()) else {
            throw SwiftCNNError("\(path): cannot write in \(directory) (read-only or no permission)")
        }
        try? FileManager.default.removeItem(atPath: probe)
    }

    private func writeCurvesAndHistory(_ history: History) throws {
        if let historyCSV { try HistoryCSV.write(history.history, to: historyCSV) }
        if let curves { try TrainingCurves.write(history: history.history, to: curves) }
    }
}

/// Thrown by `CourseTraining.run` when an interruption stopped training; its message says
/// where the state was saved.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// What an interrupted run needs to continue: the epoch to redo, the history so far and
/// the best monitored value (so the best-only checkpoint rule carries on).
struct ResumeState: Codable {
    var format = 1
    var epoch: Int
    var epochs: [Int]
    var history: [String: [Double]]
    var best: Double?
    /// Where in the epoch training stopped (absent: redo the epoch).
    var progress: EpochProgress?
    /// Every layer's random generator (dropout masks), in `descendants` order.
    var random: [[UInt64]]?

    init(epoch: Int, history: History, best: Double, progress: EpochProgress?, model: Model) {
        self.epoch = epoch
        self.epochs = history.epochs
        self.history = history.history
        self.best = best.isFinite ? best : nil
        self.progress = progress
        self.random = ([model] + model.descendants).map(\.random.words)
    }

    func restoreRandomState(of model: Model) {
        let layers = [model] + model.descendants
        guard let random, random.count == layers.count else { return }
        for (layer, words) in zip(layers, random) {
            if let generator = RandomGenerator(words: words) { layer.random = generator }
        }
    }

    var historyValue: History {
        var value = History()
        value.epochs = epochs
        value.history = history
        return value
    }

    static func read(_ path: String) throws -> ResumeState.Loaded? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let state: ResumeState
        do {
            state = try JSONDecoder().decode(ResumeState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw SwiftCNNError("\(path): not a SwiftCNN resume state (\(error)); delete it or pass --fresh")
        }
        guard state.format == 1, state.epoch >= 0, state.epochs.count == state.history.values.map(\.count).max() ?? 0 else {
            throw SwiftCNNError("\(path): inconsistent resume state; delete it or pass --fresh")
        }
        return Loaded(state: state)
    }

    /// A resume state as `CourseTraining` uses it.
    struct Loaded {
        let state: ResumeState
        var epoch: Int { state.epoch }
        var history: History { state.historyValue }
        var best: Double { state.best ?? .infinity }
        var progress: EpochProgress? { state.progress }
        func restoreRandomState(of model: Model) { state.restoreRandomState(of: model) }
    }

    func write(_ path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(Array(try encoder.encode(self)), to: path)
    }

    static func remove(_ path: String, prefix: String) throws {
        for file in [path, prefix + ".index", prefix + ".data-00000-of-00001"] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
    }
}
