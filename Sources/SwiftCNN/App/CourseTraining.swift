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
    /// The model to train (built on the training images' shape if not built yet).
    public var model: Model
    /// The training images: a dataset's tensors, or 8-bit ``ByteImages`` converted per batch.
    public var train: any BatchSource
    /// The class names in label order, saved beside the checkpoint (``CheckpointClasses``).
    public var classNames: [String]
    public var test: Dataset
    /// Epochs to run in total (a resumed run counts those already done).
    public var epochs = 5
    /// Images per step.
    public var batchSize = 32
    /// The optimizer, with Keras's defaults besides the learning rate.
    public var optimizer = OptimizerKind.adam
    /// The optimizer's learning rate.
    public var learningRate: Float = 0.001
    /// Where the best-only checkpoint goes, in the format its extension names
    /// (``WeightsFormat``): a TensorFlow prefix (`<prefix>.index`,
    /// `<prefix>.data-00000-of-00001`, `checkpoint`), Keras 3's `.weights.h5` or `.safetensors`.
    public var checkpoint: String
    /// Ignore an existing checkpoint.
    public var fresh = false
    /// Where to write every trainable variable (nil: not written).
    public var weightsText: String? = "weights.txt"
    /// Where to draw the accuracy and loss curves (nil: not drawn).
    public var curves: String? = "curves.png"
    /// Where to write the per-epoch history (nil: not written).
    public var historyCSV: String? = "history.csv"
    /// Whether to print Keras's progress lines and the summary.
    public var verbose = true
    /// Callbacks run after the best-only checkpoint (a ``TensorBoard``, say).
    public var callbacks: [Callback] = []
    /// When set (by Ctrl-C in `swiftcnn train`), training stops after the current step,
    /// saves `<checkpoint>-last` and throws `TrainingInterrupted`; the next run resumes there.
    public var interruption: InterruptFlag?
    /// Applied to every training batch in the data producer, ahead of its step (never to
    /// the test data); its draws depend only on the model's seed, the epoch and the step.
    public var augmentation: (any BatchAugmentation)?
    /// Where progress lines go (the resume notice, the summary, the files written).
    public var log: (String) -> Void = { print($0) }

    /// The course's run of `model` on `train`, validated on `test`, checkpointed at
    /// `checkpoint`.
    public init(model: Model, train: Dataset, test: Dataset, checkpoint: String) {
        self.init(model: model, train: train.batches, classNames: train.classNames, test: test, checkpoint: checkpoint)
    }

    public init(model: Model, train: some BatchSource, classNames: [String], test: Dataset, checkpoint: String) {
        self.model = model
        self.train = train
        self.classNames = classNames
        self.test = test
        self.checkpoint = checkpoint
    }

    /// Runs the script: resumes or loads, trains, saves; returns the whole history (earlier
    /// runs included).
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
        // Under MPI every rank trains and only rank 0 writes files and prints.
        let primary = try DataParallel.current()?.isPrimary ?? true
        let log = primary ? self.log : { _ in }
        // Fail before training, not after the first epoch, when an output cannot be written.
        for path in [WeightsFormat.markerFile(checkpoint), weightsText, curves, historyCSV].compactMap({ $0 }) where primary {
            try checkWritable(path)
        }
        // Written before any weights, so a checkpoint is never without its class names.
        if primary { try CheckpointClasses(classNames: classNames, imageShape: train.imageShape).write(prefix: checkpoint) }
        if !model.isBuilt { try model.build(inputShape: train.imageShape) }
        // A model that comes with a trained optimizer of this kind (a `.keras` file's) goes
        // on with its state, as Keras's load_model then fit does; the learning rate is this run's.
        let trained = model.optimizer.flatMap { optimizer.matches($0) && $0.iterations > 0 ? $0 : nil }
        trained?.learningRate = learningRate
        model.compile(
            optimizer: trained ?? optimizer.make(learningRate: learningRate), loss: SparseCategoricalCrossentropy(fromLogits: false),
            metrics: [SparseCategoricalAccuracy()])
        var initialEpoch = 0
        var earlier = History()
        var best = Double.infinity
        var progress: EpochProgress?
        if !fresh, let (statePrefix, state) = try ResumeState.find(lastPrefix) {
            log("-------------load the model-----------------")
            let at = state.progress.map { "epoch \($0.epoch + 1), after step \($0.step)" } ?? "epoch \(state.epoch + 1)"
            log("Resuming the interrupted run at \(at) from \(statePrefix)")
            try model.loadWeights(statePrefix)
            (initialEpoch, earlier, best, progress) = (state.epoch, state.history, state.best, state.progress)
            state.restoreRandomState(of: model)
        } else if !fresh, checkpointExists {
            log("-------------load the model-----------------")
            try model.loadWeights(from: checkpoint)
        }
        let saver = ModelCheckpoint(filepath: checkpoint, monitor: "val_loss", saveBestOnly: true, best: best)
        let latest = try model.fit(
            train, batchSize: batchSize, epochs: max(epochs, initialEpoch + 1),
            validationData: (test.images, test.labels), validationFreq: 1, initialEpoch: initialEpoch,
            callbacks: [saver, ResumeCallback(interruption: interruption, resumingAt: progress)] + callbacks,
            verbose: verbose, augmentation: augmentation)
        var history = earlier
        history.append(contentsOf: latest)
        if !primary {
            if let epoch = latest.interruptedEpoch {
                // Exit only once rank 0 has saved: mpirun stops the job when a rank exits
                // with a failure status.
                try DataParallel.current()?.synchronize(what: "rank 0's save of the interrupted run")
                throw TrainingInterrupted(message: "interrupted during epoch \(epoch + 1); rank 0 saved the state")
            }
            return history
        }
        if let epoch = latest.interruptedEpoch {
            try ResumeState(epoch: epoch, history: history, best: saver.best, progress: latest.interruption, model: model)
                .save(with: model, prefix: lastPrefix)
            try writeCurvesAndHistory(history)
            try DataParallel.current()?.synchronize(what: "rank 0's save of the interrupted run")
            throw TrainingInterrupted(
                message: "interrupted during epoch \(epoch + 1); saved the state to \(lastPrefix).index and \(resumeStatePath); run the same command again to continue")
        }
        try ResumeState.remove(prefix: lastPrefix)
        if verbose { log(model.summary()) }
        var written = [WeightsFormat.markerFile(checkpoint), CheckpointClasses.path(prefix: checkpoint)]
        if let weightsText {
            try model.writeWeightsText(to: weightsText)
            written.append(weightsText)
        }
        try writeCurvesAndHistory(history)
        written += [historyCSV, curves].compactMap { $0 }
        log("Wrote " + written.joined(separator: ", "))
        return history
    }

    /// `<checkpoint>-last`: the weights and optimizer state of an interrupted run, a
    /// TensorFlow bundle whatever the checkpoint's format (`checkpoint/Baseline-last` beside
    /// `checkpoint/Baseline.weights.h5`).
    public var lastPrefix: String {
        WeightsFormat(path: checkpoint) == .tensorFlow ? checkpoint + "-last" : WeightsFormat.stem(checkpoint) + "-last"
    }
    /// `<checkpoint>-last.json`: where the interrupted run stopped, and its history.
    public var resumeStatePath: String { lastPrefix + ResumeState.suffix }

    /// Whether a best-only checkpoint is on disk, whole or as the copy a cut-short save
    /// left (which loading falls back to).
    private var checkpointExists: Bool {
        guard WeightsFormat(path: checkpoint) == .tensorFlow else { return FileManager.default.fileExists(atPath: checkpoint) }
        return [checkpoint, FileSet.backupPrefix(checkpoint)].contains {
            FileManager.default.fileExists(atPath: TensorBundle.indexPath(prefix: $0))
        }
    }

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

    /// Nothing to write before the first epoch ends (a Ctrl-C during it).
    private func writeCurvesAndHistory(_ history: History) throws {
        guard !history.epochs.isEmpty else { return }
        if let historyCSV { try HistoryCSV.write(history.history, to: historyCSV) }
        if let curves { try TrainingCurves.write(history: history.history, to: curves) }
    }
}

/// Thrown by `CourseTraining.run` when an interruption stopped training; its message says
/// where the state was saved.
public struct TrainingInterrupted: Error, CustomStringConvertible {
    /// Where training stopped and where its state was saved.
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
    /// The CRC32C of the `.index` file saved with this state (format 2), so a state is
    /// never paired with another save's weights.
    var indexCRC32C: UInt32?

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

    /// The resume state's file: `<prefix>.json` beside the `<prefix>` bundle.
    static let suffix = ".json"

    /// The complete interrupted-run state under `prefix` (`<checkpoint>-last`), or under
    /// its backup when the save into it was cut short: the prefix to load the weights
    /// from, and the state. Nil when there is none; when only an incomplete one is there,
    /// nil after a one-line warning (the run then resumes from the best-only checkpoint).
    static func find(_ prefix: String, warn: (String) -> Void = writeToStandardError) throws -> (String, Loaded)? {
        let backup = FileSet.backupPrefix(prefix)
        let candidates = [prefix, backup].filter { FileManager.default.fileExists(atPath: $0 + suffix) }
        guard !candidates.isEmpty else { return nil }
        var problems: [String] = []
        for candidate in candidates {
            do {
                return (candidate, Loaded(state: try read(prefix: candidate)))
            } catch {
                problems.append("\(error)")
            }
        }
        warn(
            "warning: the interrupted run's state is incomplete (\(problems[0])); continuing from the best-only checkpoint instead")
        return nil
    }

    /// Reads `<prefix>.json` and checks that the bundle at `prefix` is the one it was saved
    /// with, complete.
    static func read(prefix: String) throws -> ResumeState {
        let path = prefix + suffix
        let state: ResumeState
        do {
            state = try JSONDecoder().decode(ResumeState.self, from: Data(readWholeFile(path, maxBytes: maxMetadataFileBytes)))
        } catch let error as CheckpointError {
            throw error
        } catch {
            throw SwiftCNNError("\(path): not a SwiftCNN resume state (\(error))")
        }
        guard [1, 2].contains(state.format), state.epoch >= 0,
            state.epochs.count == state.history.values.map(\.count).max() ?? 0
        else {
            throw SwiftCNNError("\(path): inconsistent resume state")
        }
        let index = try readWholeFile(TensorBundle.indexPath(prefix: prefix))
        if let expected = state.indexCRC32C, CRC32C.checksum(index) != expected {
            throw SwiftCNNError("\(path): belongs to another save of \(TensorBundle.indexPath(prefix: prefix))")
        }
        _ = try TensorBundle.read(prefix: prefix)
        return state
    }

    /// Writes the model's bundle at `prefix` and this state beside it as one set, so a
    /// kill during the save leaves this set or the previous one complete. A test may stop
    /// it after `stoppingAfter` steps (see ``FileSet/write(stoppingAfter:)``).
    @discardableResult
    func save(with model: Model, prefix: String, stoppingAfter limit: Int? = nil) throws -> Int {
        var files = try TensorBundle.fileSet(KerasCheckpoint.bundleEntries(model, prefix: prefix), prefix: prefix)
        var state = self
        state.format = 2
        state.indexCRC32C = files.files.last.map { CRC32C.checksum($0.bytes) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        files.files.append((Self.suffix, Array(try encoder.encode(state))))
        files.isComplete = { (try? Self.read(prefix: $0)) != nil }
        return try files.write(stoppingAfter: limit)
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

    /// Removes the state and its bundle, and their backups; the state file first, so
    /// that a kill part-way leaves no state that points at missing weights.
    static func remove(prefix: String) throws {
        for set in [prefix, FileSet.backupPrefix(prefix)] {
            for suffix in [suffix, TensorBundle.indexSuffix, TensorBundle.dataSuffix] {
                let file = set + suffix
                guard FileManager.default.fileExists(atPath: file) else { continue }
                do {
                    try FileManager.default.removeItem(atPath: file)
                } catch {
                    throw SwiftCNNError("\(file): cannot remove the finished run's resume state (\(error.localizedDescription))")
                }
            }
        }
    }
}
