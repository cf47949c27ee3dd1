import Foundation
import Testing

@testable import SwiftCNN

/// RMSprop's and AdamW's state through the checkpoint formats: Keras 3's own
/// `.weights.h5` restores into SwiftCNN's optimizers, and every optimizer's state survives a
/// save and load in each format, so a resumed run steps on as if never stopped.
@Suite struct OptimizerStateFormatsTests {
    static func fixturePath(_ name: String) throws -> String {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw SwiftCNNError("fixtures folder missing from the test bundle")
        }
        return root.appendingPathComponent("checkpoints/keras3/\(name)").path
    }

    static func temporaryFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-optim-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    static func expectNear(_ actual: Tensor?, _ expected: Tensor?, _ what: String) {
        guard let actual, let expected else {
            Issue.record("\(what): missing")
            return
        }
        let scale = max(expected.scalars.map(abs).max() ?? 0, 1e-6)
        #expect(actual.maxAbsDifference(expected) <= 2e-5 * scale, "\(what): \(actual.maxAbsDifference(expected)) of \(scale)")
    }

    /// Keras 3 trained the fixture model four steps and saved it; SwiftCNN's four steps from
    /// the same start must end with the state the file holds.
    @Test(arguments: ["rmsprop_centered_momentum", "adamw_decay"])
    func kerasFileRestoresTheState(_ name: String) throws {
        let fixture = try KerasFixture("optim_" + name)
        let trained = try OptimizerFidelityTests.model(fixture)
        let ours = try #require(OptimizerFidelityTests.optimizer(name))
        trained.compile(optimizer: ours, loss: SparseCategoricalCrossentropy())
        for _ in 0..<4 { try trained.trainStep(try fixture.tensor("input"), try fixture.tensor("labels")) }

        let loaded = try OptimizerFidelityTests.model(fixture)
        let fresh = try #require(OptimizerFidelityTests.optimizer(name))
        loaded.compile(optimizer: fresh, loss: SparseCategoricalCrossentropy())
        try loaded.loadWeights(from: try Self.fixturePath("optim_\(name).weights.h5"))
        #expect(fresh.iterations == 4)
        #expect(fresh.learningRate == ours.learningRate)
        for (k, (a, b)) in zip(loaded.trainableWeights, trained.trainableWeights).enumerated() {
            Self.expectNear(a.value, b.value, "\(name) weight \(k)")
            let (slotsA, slotsB) = (fresh.slots(for: a), ours.slots(for: b))
            #expect(Set(slotsA.keys) == Set(slotsB.keys), "\(name) weight \(k) slots \(slotsA.keys.sorted())")
            for (slot, value) in slotsB { Self.expectNear(slotsA[slot], value, "\(name) weight \(k) slot \(slot)") }
        }
    }

    static func optimizer(_ name: String) -> Optimizer {
        switch name {
        case "rmsprop": RMSprop(learningRate: 0.01, momentum: 0.5, centered: true)
        case "rmsprop_schedule": RMSprop(learningRate: ExponentialDecay(initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5))
        case "adamw": AdamW(learningRate: 0.01, weightDecay: 0.1)
        case "adamw_schedule": AdamW(learningRate: CosineDecay(initialLearningRate: 0.01, decaySteps: 4))
        case "sgd": SGD(learningRate: 0.1, momentum: 0.9)
        default: Adam()
        }
    }

    /// Three steps, a save, a fresh model and optimizer loading it, then one more step on
    /// each: the same weights, slots and step count, in every format that keeps optimizer state.
    @Test(arguments: ["rmsprop", "rmsprop_schedule", "adamw", "adamw_schedule", "sgd", "adam"], [".ckpt", ".weights.h5"])
    func stateSurvivesSaveAndLoad(_ name: String, _ suffix: String) throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try KerasFixture("optim_rmsprop_default")
        let (x, y) = (try fixture.tensor("input"), try fixture.tensor("labels"))
        let first = try OptimizerFidelityTests.model(fixture)
        first.compile(optimizer: Self.optimizer(name), loss: SparseCategoricalCrossentropy())
        for _ in 0..<3 { try first.trainStep(x, y) }
        let path = folder + "/state" + suffix
        try first.saveWeights(to: path)

        let second = try OptimizerFidelityTests.model(fixture)
        second.compile(optimizer: Self.optimizer(name), loss: SparseCategoricalCrossentropy())
        try second.loadWeights(from: path)
        let (a, b) = (try #require(first.optimizer), try #require(second.optimizer))
        #expect(b.iterations == 3)
        #expect(b.learningRate == a.learningRate)
        #expect((b.learningRateSchedule == nil) == (a.learningRateSchedule == nil))
        for (p, q) in zip(first.trainableWeights, second.trainableWeights) {
            #expect(q.value.scalars == p.value.scalars)
            let (slotsA, slotsB) = (a.slots(for: p), b.slots(for: q))
            #expect(slotsB.mapValues(\.scalars) == slotsA.mapValues(\.scalars), "\(name)\(suffix) slots of \(p.name)")
        }
        try first.trainStep(x, y)
        try second.trainStep(x, y)
        for (p, q) in zip(first.trainableWeights, second.trainableWeights) { #expect(q.value.scalars == p.value.scalars) }
    }

    /// An Adam file read by an RMSprop model: another optimizer's state is skipped, as Keras
    /// skips it, and the weights still load.
    @Test(arguments: [".ckpt", ".weights.h5"])
    func anotherOptimizersStateIsSkipped(_ suffix: String) throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let fixture = try KerasFixture("optim_rmsprop_default")
        let first = try OptimizerFidelityTests.model(fixture)
        first.compile(optimizer: AdamW(), loss: SparseCategoricalCrossentropy())
        try first.trainStep(try fixture.tensor("input"), try fixture.tensor("labels"))
        try first.saveWeights(to: folder + "/state" + suffix)
        let second = try OptimizerFidelityTests.model(fixture)
        let rmsprop = RMSprop()
        second.compile(optimizer: rmsprop, loss: SparseCategoricalCrossentropy())
        try second.loadWeights(from: folder + "/state" + suffix)
        #expect(rmsprop.iterations == 0)
        #expect(second.trainableWeights.map(\.value.scalars) == first.trainableWeights.map(\.value.scalars))
    }

    /// A `.keras` file's compile_config names the optimizer, its hyperparameters and schedule.
    @Test func compileConfigRoundTrips() throws {
        let optimizers: [Optimizer] = [
            RMSprop(learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true),
            AdamW(learningRate: 0.002, weightDecay: 0.1, beta1: 0.8),
            Adam(learningRate: ExponentialDecay(initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.5, staircase: true)),
            SGD(learningRate: CosineDecay(initialLearningRate: 0.1, decaySteps: 5, alpha: 0.1, warmupTarget: 0.2, warmupSteps: 2)),
        ]
        for optimizer in optimizers {
            let json = try #require(KerasOptimizerConfig.json(optimizer))
            let back = try #require(KerasOptimizerConfig.optimizer(json), "\(optimizer.name)")
            #expect(back.name == optimizer.name)
            #expect(back.kerasDescription == optimizer.kerasDescription)
            #expect(KerasOptimizerConfig.json(back) == json)
            for step in [0, 1, 4, 9] {
                back.iterations = step
                optimizer.iterations = step
                #expect(back.learningRate == optimizer.learningRate)
            }
        }
        #expect(KerasOptimizerConfig.json(RMSprop())?.object?["config"]?.object?["name"] == .string("rm_sprop"))
        #expect(KerasOptimizerConfig.json(AdamW())?.object?["config"]?.object?["name"] == .string("adam_w"))
    }
}
