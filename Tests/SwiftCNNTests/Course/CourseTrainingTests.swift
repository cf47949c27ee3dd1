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
}
