import Foundation
import Testing

@testable import SwiftCNN

/// The course's script end to end on a small synthetic dataset: the files it writes and
/// resuming from its checkpoint.
@Suite struct CourseTrainingTests {
    static func dataset(_ count: Int, seed: UInt64) throws -> Dataset {
        var random = RandomGenerator(seed: seed)
        let labels = (0..<count).map { _ in Float(Int(random.next() % 10)) }
        // Brightness depends on the label, so there is something to learn.
        let pixels = labels.flatMap { label in (0..<(8 * 8 * 3)).map { _ in label / 10 + random.nextUniform() * 0.2 } }
        return try Dataset(
            images: try Tensor(shape: [count, 8, 8, 3], scalars: pixels), labels: try Tensor(shape: [count], scalars: labels),
            classNames: (0..<10).map(String.init))
    }

    /// Captures the model's weights when `fit` starts.
    final class WeightsAtStart: Callback {
        var weights: [[Float]] = []
        func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) {
            weights = model.weights.map(\.value.scalars)
        }
    }

    @Test func writesTheCourseFilesAndResumesFromTheCheckpoint() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-course-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (train, test) = (try Self.dataset(96, seed: 1), try Self.dataset(32, seed: 2))
        var messages: [String] = []
        func configured(_ model: Model) -> CourseTraining {
            var run = CourseTraining(model: model, train: train, test: test, checkpoint: folder + "/checkpoint/Baseline.ckpt")
            run.epochs = 1
            run.verbose = false
            run.weightsText = folder + "/weights.txt"
            run.curves = folder + "/curves.png"
            run.historyCSV = folder + "/history.csv"
            run.log = { messages.append($0) }
            return run
        }
        let first = Baseline()
        first.seed = 1
        try configured(first).run()
        for file in ["checkpoint/Baseline.ckpt.index", "checkpoint/Baseline.ckpt.data-00000-of-00001", "checkpoint/checkpoint", "weights.txt", "curves.png", "history.csv"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + file), "\(file) missing")
        }
        #expect(!messages.contains("-------------load the model-----------------"))

        // A second run with different initial weights starts from the saved ones.
        let second = Baseline()
        second.seed = 99
        let probe = WeightsAtStart()
        var run = configured(second)
        run.callbacks = [probe]
        try run.run()
        #expect(messages.contains("-------------load the model-----------------"))
        #expect(probe.weights == first.weights.map(\.value.scalars))

        // --fresh ignores the checkpoint.
        let third = Baseline()
        third.seed = 99
        let freshProbe = WeightsAtStart()
        var freshRun = configured(third)
        freshRun.fresh = true
        freshRun.callbacks = [freshProbe]
        try freshRun.run()
        #expect(freshProbe.weights != first.weights.map(\.value.scalars))
    }

    /// Requests an interruption after a given number of batches, as Ctrl-C would.
    final class InterruptAfter: Callback {
        let flag: InterruptFlag
        let batches: Int
        var seen = 0
        init(_ flag: InterruptFlag, batches: Int) { (self.flag, self.batches) = (flag, batches) }
        func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) {
            seen += 1
            if seen == batches { flag.request() }
        }
    }

    @Test func anInterruptedRunResumesWhereItStopped() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-resume-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (train, test) = (try Self.dataset(64, seed: 3), try Self.dataset(16, seed: 4))
        func configured(_ model: Model) -> CourseTraining {
            var run = CourseTraining(model: model, train: train, test: test, checkpoint: folder + "/checkpoint/Baseline.ckpt")
            run.epochs = 3
            run.batchSize = 16
            run.verbose = false
            run.weightsText = nil
            run.curves = folder + "/curves.png"
            run.historyCSV = folder + "/history.csv"
            run.log = { _ in }
            return run
        }
        // Interrupted in the second epoch (batch 6 of 4 per epoch).
        let flag = InterruptFlag()
        let first = Baseline()
        var run = configured(first)
        run.interruption = flag
        run.callbacks = [InterruptAfter(flag, batches: 6)]
        #expect(throws: TrainingInterrupted.self) { try run.run() }
        #expect(FileManager.default.fileExists(atPath: run.lastPrefix + ".index"))
        #expect(try HistoryCSV.read(folder + "/history.csv")["loss"]?.count == 1)
        let saved = first.weights.map(\.value.scalars)

        // The same command again starts epoch 2 from the interrupted weights.
        let second = Baseline()
        second.seed = 42
        let probe = WeightsAtStart()
        let batches = InterruptAfter(InterruptFlag(), batches: .max)
        var resumed = configured(second)
        resumed.callbacks = [probe, batches]
        let history = try resumed.run()
        #expect(probe.weights == saved)
        // Epoch 2 continues after its second step: 2 of its 4 batches, then epoch 3's 4.
        #expect(batches.seen == 6)
        #expect(history.epochs == [0, 1, 2])
        #expect(history["val_loss"].count == 3)
        #expect(try HistoryCSV.read(folder + "/history.csv")["loss"]?.count == 3)
        #expect(!FileManager.default.fileExists(atPath: resumed.lastPrefix + ".index"))
        #expect(!FileManager.default.fileExists(atPath: resumed.resumeStatePath))
    }

    /// Ctrl-C in the first epoch: there is no history to draw yet, so the run saves its
    /// state and reports the interruption instead of failing on the curves.
    @Test func anInterruptionInTheFirstEpochSavesTheState() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (train, test) = (try Self.dataset(64, seed: 3), try Self.dataset(16, seed: 4))
        let flag = InterruptFlag()
        var run = CourseTraining(model: Baseline(), train: train, test: test, checkpoint: folder + "/Baseline.ckpt")
        run.batchSize = 16
        run.verbose = false
        run.weightsText = nil
        run.curves = folder + "/curves.png"
        run.historyCSV = folder + "/history.csv"
        run.log = { _ in }
        run.interruption = flag
        run.callbacks = [InterruptAfter(flag, batches: 2)]
        #expect(throws: TrainingInterrupted.self) { try run.run() }
        #expect(FileManager.default.fileExists(atPath: run.resumeStatePath))
        #expect(!FileManager.default.fileExists(atPath: folder + "/curves.png"))
    }

    @Test func anUnwritableOutputFailsBeforeTraining() throws {
        let (train, test) = (try Self.dataset(16, seed: 5), try Self.dataset(8, seed: 6))
        // /proc refuses new folders even to root, like a read-only disk.
        var run = CourseTraining(model: Baseline(), train: train, test: test, checkpoint: "/proc/swiftcnn-test/Baseline.ckpt")
        run.verbose = false
        let started = WeightsAtStart()
        run.callbacks = [started]
        #expect(throws: SwiftCNNError.self) { try run.run() }
        #expect(started.weights.isEmpty, "training started before the output was checked")
    }
}
