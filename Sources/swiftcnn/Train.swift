import ArgumentParser
import Foundation
import SwiftCNN

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a course model as the course does: Adam, batch 32, validation every epoch, best-only checkpoints.")

    @OptionGroup var options: ModelOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var threadOptions: ThreadOptions
    @OptionGroup var tensorBoardOptions: TensorBoardOptions
    @OptionGroup var augmentationOptions: AugmentationOptions

    @Option(parsing: .unconditional, help: "Passes over the training set.")
    var epochs: Int = 5

    @Option(parsing: .unconditional, help: "Images per step.")
    var batchSize: Int = 32

    @Option(parsing: .unconditional, help: "Adam's learning rate.")
    var learningRate: Float = 0.001

    @Option(parsing: .unconditional, help: "Use only the first N training images.")
    var trainLimit: Int?

    @Option(parsing: .unconditional, help: "Validate on N test images (a fixed random sample).")
    var testLimit: Int?

    @Option(help: "Best-only checkpoint, its format by extension: a TensorFlow prefix (default: checkpoint/<Model>.ckpt), Keras 3's .weights.h5, or .safetensors.")
    var checkpoint: String?

    @Option(help: "Where to write every trainable variable, as the course's weights.txt.")
    var weightsTxt: String = "weights.txt"

    @Option(help: "Where to draw the accuracy and loss curves (PNG).")
    var curves: String = "curves.png"

    @Option(help: "Where to write the per-epoch history (CSV).")
    var history: String = "history.csv"

    @Flag(help: "Under mpirun: batch normalisation with the statistics of every rank's samples (Keras's synchronized=True).")
    var syncBatchNorm = false

    @Flag(help: "Ignore an existing checkpoint (and a .keras model's weights and optimizer state) and start from fresh weights.")
    var fresh = false

    func run() throws {
        try threadOptions.apply()
        do {
            try train()
        } catch let error as ExitCode {
            throw error
        } catch {
            // A rank that fails stops the whole MPI job now rather than at the timeout.
            guard let job = try? DataParallel.current() else { throw error }
            FileHandle.standardError.write(Data("Error: rank \(job.rank): \(error)\n".utf8))
            job.abort(exitCode: 1)
        }
    }

    private func train() throws {
        try requirePositive(epochs, "--epochs")
        try requirePositive(batchSize, "--batch-size")
        guard learningRate > 0, learningRate.isFinite else {
            throw SwiftCNNError("--learning-rate must be positive, got \(learningRate)")
        }
        let callbacks = try tensorBoardOptions.callbacks()
        let augmentation = try augmentationOptions.make()
        let primary = try DataParallel.current()?.isPrimary ?? true
        let log: @Sendable (String) -> Void = { line in if primary { print(line) } }
        let (train, classNames, test) = try dataOptions.trainingAndTest(trainLimit: trainLimit, testLimit: testLimit, log: log)
        log("\(train.count) training and \(test.count) test images of shape \(train.imageShape)")

        let (model, name) = try options.load(fresh: fresh)
        model.seed = dataOptions.seed
        if syncBatchNorm {
            for case let layer as BatchNormalization in model.descendants { layer.synchronized = true }
        }
        var run = CourseTraining(
            model: model, train: train, classNames: classNames, test: test, checkpoint: checkpoint ?? "checkpoint/\(name).ckpt")
        run.epochs = epochs
        run.batchSize = batchSize
        run.learningRate = learningRate
        run.fresh = fresh
        run.weightsText = weightsTxt
        run.curves = curves
        run.historyCSV = history
        run.callbacks = callbacks
        run.augmentation = augmentation
        run.interruption = interruptOnSignals()
        do {
            try run.run()
        } catch let interrupted as TrainingInterrupted {
            FileHandle.standardError.write(Data((interrupted.message + "\n").utf8))
            throw ExitCode(130)
        }
    }
}

/// The first Ctrl-C (or SIGTERM) asks training to stop after the current step and save a
/// resumable state; a second one exits at once.
func interruptOnSignals() -> InterruptFlag {
    let flag = InterruptFlag()
    for number in [SIGINT, SIGTERM] {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        source.setEventHandler {
            if flag.request() { exit(130) }
            FileHandle.standardError.write(Data("\nInterrupted: finishing the current step and saving (press Ctrl-C again to quit now)\n".utf8))
        }
        source.resume()
        signalSources.append(source)
    }
    return flag
}

/// Keeps the signal sources alive for the life of the process.
nonisolated(unsafe) private var signalSources: [DispatchSourceSignal] = []
