import Foundation
import Testing

@testable import SwiftCNN

/// An interrupted course run with RMSprop or AdamW saves the optimizer's state in
/// `<checkpoint>-last` and the next run goes on with it, as with Adam.
@Suite struct OptimizerResumeTests {
    /// The optimizer's step count and slots when `fit` starts.
    final class OptimizerAtStart: Callback {
        var iterations = -1
        var slots: [[String: [Float]]] = []
        func onTrainBegin(model: Model, epochs: Int, stepsPerEpoch: Int) {
            guard let optimizer = model.optimizer else { return }
            iterations = optimizer.iterations
            slots = model.trainableWeights.map { optimizer.slots(for: $0).mapValues(\.scalars) }
        }
    }

    @Test(arguments: [OptimizerKind.rmsprop, .adamw])
    func anInterruptedRunGoesOnWithTheOptimizersState(_ kind: OptimizerKind) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-optim-resume-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (train, test) = (try CourseTrainingTests.dataset(64, seed: 3), try CourseTrainingTests.dataset(16, seed: 4))
        func configured(_ model: Model) -> CourseTraining {
            var run = CourseTraining(model: model, train: train, test: test, checkpoint: folder + "/checkpoint/Baseline.weights.h5")
            run.epochs = 2
            run.batchSize = 16
            run.optimizer = kind
            run.verbose = false
            run.weightsText = nil
            run.curves = nil
            run.historyCSV = nil
            run.log = { _ in }
            return run
        }
        let flag = InterruptFlag()
        let first = Baseline()
        var run = configured(first)
        run.interruption = flag
        run.callbacks = [CourseTrainingTests.InterruptAfter(flag, batches: 3)]
        #expect(throws: TrainingInterrupted.self) { try run.run() }
        let optimizer = try #require(first.optimizer)
        #expect(optimizer.name.lowercased() == kind.rawValue)
        let saved = first.trainableWeights.map { optimizer.slots(for: $0).mapValues(\.scalars) }

        let second = Baseline()
        let probe = OptimizerAtStart()
        var resumed = configured(second)
        resumed.callbacks = [probe]
        try resumed.run()
        #expect(probe.iterations == 3)
        #expect(probe.slots == saved)
        #expect(second.optimizer?.name == optimizer.name)
    }
}
