import Foundation
import Testing

@testable import SwiftCNN

/// ReduceLROnPlateau, EarlyStopping and LearningRateScheduler against Keras 3 driven over
/// the same epoch logs (callbacks.json from Tools/make_optimizer_fixtures.py): the learning
/// rate after each epoch, the epoch training stopped at and the epoch whose weights are left.
@Suite struct CallbackFidelityTests {
    static let cases = [
        "reduce_default_patience2", "reduce_factor_cooldown_minlr", "reduce_max_mode", "early_patience2",
        "early_restore_min_delta", "early_baseline", "early_start_from_epoch", "early_max_mode", "early_patience0",
        "scheduler_step",
    ]

    static func callback(_ name: String) -> Callback? {
        let quiet: (String) -> Void = { _ in }
        switch name {
        case "reduce_default_patience2": return ReduceLROnPlateau(patience: 2, log: quiet)
        case "reduce_factor_cooldown_minlr":
            return ReduceLROnPlateau(factor: 0.5, patience: 1, minDelta: 0.01, cooldown: 2, minLR: 0.003, log: quiet)
        case "reduce_max_mode": return ReduceLROnPlateau(monitor: "val_acc", factor: 0.2, patience: 1, mode: .max, log: quiet)
        case "early_patience2": return EarlyStopping(patience: 2, log: quiet)
        case "early_restore_min_delta": return EarlyStopping(minDelta: 0.01, patience: 3, restoreBestWeights: true, log: quiet)
        case "early_baseline": return EarlyStopping(patience: 2, baseline: 0.86, restoreBestWeights: true, log: quiet)
        case "early_start_from_epoch":
            return EarlyStopping(patience: 1, restoreBestWeights: true, startFromEpoch: 4, log: quiet)
        case "early_max_mode":
            return EarlyStopping(monitor: "val_acc", patience: 2, mode: .max, restoreBestWeights: true, log: quiet)
        case "early_patience0": return EarlyStopping(log: quiet)
        case "scheduler_step": return LearningRateScheduler { epoch, rate in epoch < 2 ? rate : rate * 0.9 }
        default: return nil
        }
    }

    /// `fit`'s calls over the logs; the first kernel is filled with epoch + 1 before each
    /// epoch ends, so the weights left at the end name their epoch.
    static func drive(_ callback: Callback, logs: [[String: Double]]) throws -> (rates: [Double], stopped: Int?, marker: Float) {
        let model = Sequential {
            Dense(5, activation: .relu)
            Dense(3, activation: .softmax)
        }
        try model.build(inputShape: [4])
        model.compile(optimizer: SGD(learningRate: 0.01), loss: SparseCategoricalCrossentropy())
        let optimizer = try #require(model.optimizer)
        try callback.onTrainBegin(model: model, epochs: logs.count, stepsPerEpoch: 1)
        var rates: [Double] = []
        var stopped: Int?
        var history = History()
        for (epoch, epochLogs) in logs.enumerated() {
            try callback.onEpochBegin(epoch, model: model)
            let kernel = model.trainableWeights[0]
            kernel.value = Tensor(shape: kernel.shape, repeating: Float(epoch + 1))
            history.append(epoch: epoch, logs: epochLogs)
            try callback.onEpochEnd(epoch, logs: epochLogs, model: model)
            rates.append(Double(optimizer.learningRate))
            if model.stopTraining {
                stopped = epoch
                break
            }
        }
        try callback.onTrainEnd(model: model, history: history)
        return (rates, stopped, model.trainableWeights[0].value.scalars[0])
    }

    @Test(arguments: cases)
    func matchesKeras(_ name: String) throws {
        let fixture = try KerasFixture("callbacks")
        let expected = try #require(fixture.json[name] as? [String: Any])
        let logs = try #require(expected["logs"] as? [[String: Double]])
        let callback = try #require(Self.callback(name))
        let (rates, stopped, marker) = try Self.drive(callback, logs: logs)
        // The rates are float32 values; JSONSerialization may read their decimals an ulp of a
        // double off, so they are compared as float32.
        #expect(rates.map(Float.init) == (expected["learning_rates"] as? [Double])?.map(Float.init), "\(name)")
        #expect(stopped == expected["stopped_epoch"] as? Int, "\(name)")
        #expect(Double(marker) == expected["final_marker"] as? Double, "\(name)")
    }

    /// In `fit`: EarlyStopping ends training, and an `auto` monitor on a metric takes its direction.
    @Test func earlyStoppingStopsFit() throws {
        let fixture = try KerasFixture("optim_rmsprop_default")
        let model = try OptimizerFidelityTests.model(fixture)
        model.compile(optimizer: RMSprop(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        // No epoch improves on the first by 10, so the second stops.
        let stopper = EarlyStopping(monitor: "loss", minDelta: 10, patience: 1, log: { _ in })
        let history = try model.fit(
            x: try fixture.tensor("input"), y: try fixture.tensor("labels"), batchSize: 3, epochs: 10,
            callbacks: [stopper, EarlyStopping(monitor: "sparse_categorical_accuracy", patience: 100)], verbose: false)
        #expect(history.epochs == [0, 1])
        #expect(stopper.stoppedEpoch == 1)
    }

    @Test func badSettingsAreErrors() throws {
        let fixture = try KerasFixture("optim_rmsprop_default")
        let model = try OptimizerFidelityTests.model(fixture)
        model.compile(optimizer: RMSprop(), loss: SparseCategoricalCrossentropy())
        let (x, y) = (try fixture.tensor("input"), try fixture.tensor("labels"))
        #expect(throws: SwiftCNNError.self) {
            try model.fit(x: x, y: y, callbacks: [ReduceLROnPlateau(factor: 1.5)], verbose: false)
        }
        #expect(throws: SwiftCNNError.self) {
            try model.fit(x: x, y: y, callbacks: [EarlyStopping(monitor: "val_something")], verbose: false)
        }
        #expect(throws: SwiftCNNError.self) {
            try model.fit(x: x, y: y, callbacks: [LearningRateScheduler { _, _ in .nan }], verbose: false)
        }
    }
}
