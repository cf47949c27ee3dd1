import Foundation
import Synchronization
import Testing

@testable import SwiftCNN

/// The data producer's augmentation hook: applied to every training batch (never to the
/// validation data), off the training thread, with draws that depend only on the seed,
/// the epoch and the step.
@Suite struct BatchAugmentationTests {
    /// Adds `value` to every pixel.
    struct AddConstant: BatchAugmentation {
        let value: Float
        func augment(_ images: inout Tensor, using generator: inout RandomGenerator) throws {
            images.withUnsafeMutableBufferPointer { pixels in
                for i in pixels.indices { pixels[i] += value }
            }
        }
    }

    /// Records each call's first draw, batch size and whether it ran on the caller's thread.
    final class Recorder: BatchAugmentation {
        let calls = Mutex<[(draw: UInt64, batch: Int, mainThread: Bool)]>([])
        func augment(_ images: inout Tensor, using generator: inout RandomGenerator) throws {
            let draw = generator.next()
            let batch = images.shape[0]
            let main = Thread.isMainThread
            calls.withLock { $0.append((draw, batch, main)) }
        }
        var draws: [UInt64] { calls.withLock { $0.map(\.draw) } }
    }

    struct Failing: BatchAugmentation {
        func augment(_ images: inout Tensor, using generator: inout RandomGenerator) throws {
            throw SwiftCNNError("augmentation failed on purpose")
        }
    }

    func compiledBaseline(seed: UInt64) throws -> Model {
        let model = Baseline()
        model.seed = seed
        try model.build(inputShape: [8, 8, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        return model
    }

    /// Training with "add 0.25" gives exactly the weights of training on images + 0.25,
    /// and the validation loss is that of the unaugmented test images.
    @Test func anAugmentationTransformsTheTrainingBatchesOnly() throws {
        let (train, test) = (try CourseTrainingTests.dataset(48, seed: 5), try CourseTrainingTests.dataset(16, seed: 6))
        let augmented = try compiledBaseline(seed: 3)
        let history = try augmented.fit(
            train.batches, batchSize: 16, epochs: 2, validationData: (test.images, test.labels), verbose: false,
            augmentation: AddConstant(value: 0.25))
        var shifted = train.images
        shifted.withUnsafeMutableBufferPointer { pixels in
            for i in pixels.indices { pixels[i] += 0.25 }
        }
        let plain = try compiledBaseline(seed: 3)
        let reference = try plain.fit(x: shifted, y: train.labels, batchSize: 16, epochs: 2, verbose: false)
        #expect(augmented.weights.map(\.value.scalars) == plain.weights.map(\.value.scalars))
        #expect(history["loss"] == reference["loss"])
        let evaluated = try augmented.evaluate(x: test.images, y: test.labels, batchSize: 16)
        #expect(history["val_loss"].last == evaluated["loss"])
    }

    /// One call per training step, on the producer's thread, with the last batch short.
    @Test func everyStepIsAugmentedOnceOffTheTrainingThread() throws {
        let train = try CourseTrainingTests.dataset(40, seed: 7)
        let recorder = Recorder()
        let model = try compiledBaseline(seed: 1)
        try model.fit(train.batches, batchSize: 16, epochs: 2, validationData: (train.images, train.labels), verbose: false, augmentation: recorder)
        let calls = recorder.calls.withLock { $0 }
        #expect(calls.map(\.batch) == [16, 16, 8, 16, 16, 8])
        #expect(calls.allSatisfy { !$0.mainThread })
        #expect(Set(calls.map(\.draw)).count == 6, "each step draws from its own generator")
    }

    /// A run interrupted in its second epoch and resumed draws, for the steps it has left,
    /// what the uninterrupted run drew.
    @Test func aResumedRunDrawsWhatAnUninterruptedOneWould() throws {
        let folder = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (train, test) = (try CourseTrainingTests.dataset(64, seed: 3), try CourseTrainingTests.dataset(16, seed: 4))
        func configured(_ model: Model, _ name: String, _ recorder: Recorder) -> CourseTraining {
            var run = CourseTraining(model: model, train: train, test: test, checkpoint: folder + "/\(name)/Baseline.ckpt")
            (run.epochs, run.batchSize, run.verbose, run.log) = (3, 16, false, { _ in })
            (run.weightsText, run.curves, run.historyCSV) = (nil, nil, nil)
            run.augmentation = recorder
            return run
        }
        let whole = Recorder()
        let model = Baseline()
        model.seed = 11
        try configured(model, "whole", whole).run()
        #expect(whole.draws.count == 12)

        let flag = InterruptFlag()
        let first = Baseline()
        first.seed = 11
        var interrupted = configured(first, "parts", Recorder())
        interrupted.interruption = flag
        interrupted.callbacks = [CourseTrainingTests.InterruptAfter(flag, batches: 6)]
        #expect(throws: TrainingInterrupted.self) { try interrupted.run() }
        let rest = Recorder()
        let second = Baseline()
        second.seed = 11
        try configured(second, "parts", rest).run()
        #expect(rest.draws == Array(whole.draws.suffix(6)))
        #expect(second.weights.map(\.value.scalars) == model.weights.map(\.value.scalars))
    }

    @Test func anAugmentationErrorStopsFit() throws {
        let train = try CourseTrainingTests.dataset(32, seed: 9)
        let model = try compiledBaseline(seed: 1)
        #expect(throws: SwiftCNNError.self) {
            try model.fit(train.batches, batchSize: 16, epochs: 1, verbose: false, augmentation: Failing())
        }
    }

    @Test func theGeneratorDependsOnSeedEpochAndStep() {
        var a = augmentationGenerator(seed: 1, epoch: 2, step: 3)
        var b = augmentationGenerator(seed: 1, epoch: 2, step: 3)
        #expect(a.next() == b.next())
        var others = [augmentationGenerator(seed: 2, epoch: 2, step: 3), augmentationGenerator(seed: 1, epoch: 3, step: 3), augmentationGenerator(seed: 1, epoch: 2, step: 4)]
        let first = augmentationGenerator(seed: 1, epoch: 2, step: 3)
        var copy = first
        let value = copy.next()
        #expect(others.indices.allSatisfy { others[$0].next() != value })
    }
}
