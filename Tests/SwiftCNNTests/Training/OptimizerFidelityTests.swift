import Foundation
import Testing

@testable import SwiftCNN

/// RMSprop, AdamW and scheduled learning rates against Keras 3: a Dense(5, relu) →
/// Dense(3, softmax) model trained for a few steps from the same weights
/// (Tools/make_optimizer_fixtures.py, optim_*.json).
@Suite struct OptimizerFidelityTests {
    /// The Swift twin of each fixture's Keras optimizer.
    static let names = [
        "rmsprop_default", "rmsprop_momentum", "rmsprop_centered_momentum", "adamw_default", "adamw_decay",
        "adam_exponential", "adam_exponential_staircase", "sgd_cosine_warmup", "adamw_cosine", "rmsprop_exponential",
    ]

    static func optimizer(_ name: String) -> Optimizer? {
        switch name {
        case "rmsprop_default": return RMSprop()
        case "rmsprop_momentum": return RMSprop(learningRate: 0.01, momentum: 0.9)
        case "rmsprop_centered_momentum": return RMSprop(learningRate: 0.01, rho: 0.8, momentum: 0.5, epsilon: 1e-6, centered: true)
        case "adamw_default": return AdamW()
        case "adamw_decay": return AdamW(learningRate: 0.01, weightDecay: 0.1, beta1: 0.8)
        case "adam_exponential":
            return Adam(learningRate: ExponentialDecay(initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5))
        case "adam_exponential_staircase":
            return Adam(learningRate: ExponentialDecay(initialLearningRate: 0.01, decaySteps: 2, decayRate: 0.5, staircase: true))
        case "sgd_cosine_warmup":
            let schedule = CosineDecay(initialLearningRate: 0.05, decaySteps: 3, alpha: 0.1, warmupTarget: 0.1, warmupSteps: 2)
            return SGD(learningRate: schedule, momentum: 0.9)
        case "adamw_cosine":
            return AdamW(learningRate: CosineDecay(initialLearningRate: 0.01, decaySteps: 4), weightDecay: 0.05)
        case "rmsprop_exponential":
            return RMSprop(learningRate: ExponentialDecay(initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.7), momentum: 0.5)
        default: return nil
        }
    }

    /// The fixture's model with its initial weights.
    static func model(_ fixture: KerasFixture) throws -> Sequential {
        let model = Sequential {
            Dense(5, activation: .relu)
            Dense(3, activation: .softmax)
        }
        try model.build(inputShape: [4])
        for (parameter, value) in zip(model.trainableWeights, try fixture.tensors("initial")) { parameter.value = value }
        return model
    }

    /// `actual` within `relative` of `expected`, element by element, relative to the value or
    /// to 0.1 when it is smaller: an Adam step moves a weight by about the learning rate
    /// whatever its gradient, so a weight crossing zero carries the gradient's rounding
    /// (~1e-5 of the step, ~1e-7 here) and no useful relative error.
    static func expectRelative(_ actual: Tensor, _ expected: Tensor, _ relative: Float, _ what: String) {
        #expect(actual.shape == expected.shape, "\(what): shape")
        let (a, e) = (actual.scalars, expected.scalars)
        let errors = zip(a, e).map { abs($0 - $1) / max(abs($1), 0.1) }
        let worst = errors.max() ?? 0
        let at = errors.firstIndex(of: worst) ?? 0
        #expect(worst <= relative, "\(what): relative difference \(worst) at \(at): \(a.isEmpty ? 0 : a[at]) vs \(e.isEmpty ? 0 : e[at])")
    }

    @Test(arguments: names)
    func stepsMatchKeras(_ name: String) throws {
        let fixture = try KerasFixture("optim_" + name)
        let model = try Self.model(fixture)
        let optimizer = try #require(Self.optimizer(name))
        model.compile(optimizer: optimizer, loss: SparseCategoricalCrossentropy())
        let (x, y) = (try fixture.tensor("input"), try fixture.tensor("labels"))
        let steps = fixture.json["steps"] as? [[String: Any]] ?? []
        #expect(!steps.isEmpty)
        for (step, expected) in steps.enumerated() {
            let rate = try #require(expected["learning_rate"] as? Double)
            #expect(abs(Double(optimizer.learningRate) - rate) <= 1e-6 * rate, "\(name) step \(step) rate \(optimizer.learningRate)")
            let loss = try model.trainStep(x, y)
            #expect(abs(loss - (expected["loss"] as? Double ?? .nan)) < 1e-5, "\(name) step \(step) loss")
            let weights = try (expected["weights"] as? [Any] ?? []).map { try KerasFixture.tensor(from: $0, name: "weights") }
            for (k, (parameter, value)) in zip(model.trainableWeights, weights).enumerated() {
                Self.expectRelative(parameter.value, value, 1e-5, "\(name) step \(step) weight \(k)")
            }
        }
        #expect(optimizer.iterations == steps.count)
    }

    @Test(arguments: ["exponential", "exponential_staircase", "cosine", "cosine_alpha", "cosine_warmup"])
    func schedulesMatchKeras(_ name: String) throws {
        let schedule: any LearningRateSchedule =
            switch name {
            case "exponential": ExponentialDecay(initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.96)
            case "exponential_staircase": ExponentialDecay(initialLearningRate: 0.1, decaySteps: 3, decayRate: 0.5, staircase: true)
            case "cosine": CosineDecay(initialLearningRate: 0.1, decaySteps: 10)
            case "cosine_alpha": CosineDecay(initialLearningRate: 0.2, decaySteps: 7, alpha: 0.25)
            default: CosineDecay(initialLearningRate: 0, decaySteps: 6, alpha: 0.1, warmupTarget: 0.3, warmupSteps: 4)
            }
        let fixture = try KerasFixture("schedules")
        let expected = try #require(fixture.json[name] as? [Double])
        for (step, value) in expected.enumerated() {
            let actual = Double(schedule(step: step))
            // 1e-5: near the end of a cosine decay 1 + cos(πt) cancels, and one ulp of the
            // cosine (cosf's and TensorFlow's may differ by one) is ~1e-6 of the rate.
            #expect(abs(actual - value) <= 1e-5 * max(value, 1e-3), "\(name) step \(step): \(actual) vs \(value)")
        }
    }

    /// Setting the rate (as a callback does) replaces the schedule with that constant.
    @Test func settingTheRateDropsTheSchedule() {
        let adam = Adam(learningRate: ExponentialDecay(initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5))
        adam.iterations = 2
        #expect(adam.learningRate == 0.025)
        adam.learningRate = 0.3
        #expect(adam.learningRateSchedule == nil)
        adam.iterations = 5
        #expect(adam.learningRate == 0.3)
    }
}
