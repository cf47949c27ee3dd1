import Testing

@testable import SwiftCNN

/// Whole training steps of a small C-B-A-P-D model against tf-keras: Adam and SGD
/// updates over two steps, and `fit`'s per-epoch history with a partial last batch.
@Suite struct TrainingFidelityTests {
    static func model(_ fixture: KerasFixture) throws -> Sequential {
        let model = Sequential {
            Conv2D(4, kernelSize: 3, padding: .same)
            BatchNormalization()
            Activation(.relu)
            MaxPool2D(poolSize: 2, strides: 2, padding: .same)
            Dropout(0)
            Flatten()
            Dense(3, activation: .softmax)
        }
        try model.build(inputShape: Array(try fixture.tensor("input").shape.dropFirst()))
        try load(model, fixture, key: "layers")
        return model
    }

    /// Copies a fixture's per-layer weights (`layers` or `layers_after`) into the model.
    static func load(_ model: Sequential, _ fixture: KerasFixture, key: String, step: Int? = nil) throws {
        let layers = try expected(model, fixture, key: key, step: step)
        for (parameter, value) in layers { parameter.value = value }
    }

    static func expected(_ model: Sequential, _ fixture: KerasFixture, key: String, step: Int? = nil) throws -> [(Parameter, Tensor)] {
        var container: [String: Any] = fixture.json
        if let step, let steps = fixture.json["steps"] as? [[String: Any]] { container = steps[step] }
        guard let list = container[key] as? [[String: Any]] else { throw SwiftCNNError("fixture has no \(key)") }
        var pairs: [(Parameter, Tensor)] = []
        for (layer, entry) in zip(model.layers, list) {
            let weights = entry["weights"] as? [String: Any] ?? [:]
            for parameter in layer.parameters {
                pairs.append((parameter, try KerasFixture.tensor(from: weights[parameter.name], name: parameter.name)))
            }
        }
        return pairs
    }

    @Test(arguments: ["train_adam_2steps", "train_sgd_momentum_2steps", "train_sgd_nesterov_2steps"])
    func twoStepsMatchKeras(_ name: String) throws {
        let fixture = try KerasFixture(name)
        let model = try Self.model(fixture)
        let optimizer = fixture.config["optimizer"] as? [String: Any] ?? [:]
        let optimizerObject: Optimizer =
            optimizer["class"] as? String == "Adam"
            ? Adam()
            : SGD(
                learningRate: Float(optimizer["learning_rate"] as? Double ?? 0.01),
                momentum: Float(optimizer["momentum"] as? Double ?? 0), nesterov: optimizer["nesterov"] as? Bool ?? false)
        model.compile(optimizer: optimizerObject, loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        let (x, y) = (try fixture.tensor("input"), try fixture.tensor("labels"))
        for step in 0..<2 {
            let stepInfo = (fixture.json["steps"] as? [[String: Any]])?[step] ?? [:]
            model.metrics.forEach { $0.reset() }
            let loss = try model.trainStep(x, y)
            #expect(abs(loss - (stepInfo["loss"] as? Double ?? .nan)) < 1e-5, "step \(step) loss \(loss)")
            #expect(abs(model.metrics[0].result - (stepInfo["sparse_categorical_accuracy"] as? Double ?? .nan)) < 1e-6)
            for (parameter, value) in try Self.expected(model, fixture, key: "layers_after", step: step) {
                if parameter === (model.layers[0] as? Conv2D)?.bias && optimizerObject is Adam {
                    // A bias right before batch normalisation has a true gradient of zero; both
                    // frameworks compute rounding noise (~1e-7), which Adam scales to a step of
                    // arbitrary sign. Check that the update stayed within Adam's step bound.
                    expectClose(parameter.value, value, 2e-3, "\(name) step \(step) pre-BN bias")
                    continue
                }
                expectClose(parameter.value, value, 1e-5, "\(name) step \(step) \(parameter.name)")
            }
        }
    }

    @Test func fitHistoryMatchesKeras() throws {
        let fixture = try KerasFixture("fit_adam_12samples_bs5_2epochs")
        let model = try Self.model(fixture)
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        let history = try model.fit(
            x: try fixture.tensor("input"), y: try fixture.tensor("labels"), batchSize: 5, epochs: 2,
            validationData: (try fixture.tensor("validation_input"), try fixture.tensor("validation_labels")),
            shuffle: false, verbose: false)
        let expected = fixture.json["history"] as? [String: [Double]] ?? [:]
        #expect(!expected.isEmpty)
        for (key, values) in expected {
            let actual = history[key]
            #expect(actual.count == values.count, "\(key)")
            for (a, e) in zip(actual, values) { #expect(abs(a - e) < 1e-5, "\(key): \(a) vs \(e)") }
        }
        for (parameter, value) in try Self.expected(model, fixture, key: "layers_after") {
            // See twoStepsMatchKeras: the pre-BN bias follows rounding noise under Adam.
            let tolerance: Float = parameter === (model.layers[0] as? Conv2D)?.bias ? 6e-3 : 1e-5
            expectClose(parameter.value, value, tolerance, "fit \(parameter.name)")
        }
    }
}
