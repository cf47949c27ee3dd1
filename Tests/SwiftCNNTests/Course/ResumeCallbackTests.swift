import Testing

@testable import SwiftCNN

@Suite struct ResumeCallbackTests {
    func data() throws -> (Tensor, Tensor) {
        var random = RandomGenerator(seed: 9)
        let x = try Tensor(shape: [40, 3], scalars: (0..<120).map { _ in random.nextUniform() })
        let y = try Tensor(shape: [40], scalars: (0..<40).map { Float($0 % 2) })
        return (x, y)
    }

    func model() -> Sequential {
        let model = Sequential { Dense(2, activation: .softmax) }
        model.seed = 4
        model.compile(optimizer: SGD(learningRate: 0.1), loss: SparseCategoricalCrossentropy())
        return model
    }

    /// An interrupted epoch finished by a second `fit` ends where one uninterrupted run ends.
    @Test func anInterruptedEpochResumesAsIfNeverStopped() throws {
        let (x, y) = try data()
        let whole = model()
        try whole.fit(x: x, y: y, batchSize: 8, epochs: 2, verbose: false)

        let flag = InterruptFlag()
        final class StopAfterTwoSteps: Callback {
            let flag: InterruptFlag
            init(_ flag: InterruptFlag) { self.flag = flag }
            func onBatchEnd(_ batch: Int, logs: [String: Double], model: Model) { if batch == 1 { flag.request() } }
        }
        let parted = model()
        let first = try parted.fit(
            x: x, y: y, batchSize: 8, epochs: 2, callbacks: [StopAfterTwoSteps(flag), ResumeCallback(interruption: flag)],
            verbose: false)
        let progress = try #require(first.interruption)
        #expect(progress.epoch == 0 && progress.step == 2)
        let rest = try parted.fit(
            x: x, y: y, batchSize: 8, epochs: 2, initialEpoch: progress.epoch,
            callbacks: [ResumeCallback(resumingAt: progress)], verbose: false)
        #expect(rest.epochs == [0, 1])
        for (a, b) in zip(whole.weights, parted.weights) { #expect(a.value.scalars == b.value.scalars) }
    }
}
