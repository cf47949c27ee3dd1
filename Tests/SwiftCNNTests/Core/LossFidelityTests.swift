import Testing

@testable import SwiftCNN

/// Losses and the accuracy metric against tf-keras.
@Suite struct LossFidelityTests {
    @Test func sparseCrossEntropyOnSoftmaxUsesLogits() throws {
        let fixture = try KerasFixture("loss_sparse_cce_softmax_probs")
        let logits = try fixture.tensor("input").trackingGradient()
        let probabilities = ActivationFunction.softmax.apply(logits)
        expectClose(probabilities, try fixture.tensor("probs"), 1e-6, "softmax")
        let loss = try SparseCategoricalCrossentropy()(try fixture.tensor("labels"), probabilities)
        expectClose(loss, try fixture.tensor("output"), 1e-5, "loss")
        try loss.backward()
        expectClose(logits.gradient, try fixture.tensor("grads", "input"), 1e-5, "dL/dlogits")
    }

    @Test func sparseCrossEntropyFromLogits() throws {
        let fixture = try KerasFixture("loss_sparse_cce_logits")
        let logits = try fixture.tensor("input").trackingGradient()
        let loss = try SparseCategoricalCrossentropy(fromLogits: true)(try fixture.tensor("labels"), logits)
        expectClose(loss, try fixture.tensor("output"), 1e-5, "loss")
        try loss.backward()
        expectClose(logits.gradient, try fixture.tensor("grads", "input"), 1e-5, "gradient")
    }

    @Test func sparseCrossEntropyOnRawProbabilitiesClips() throws {
        let fixture = try KerasFixture("loss_sparse_cce_raw_probs_clipped")
        let probabilities = try fixture.tensor("input").trackingGradient()
        let loss = try SparseCategoricalCrossentropy()(try fixture.tensor("labels"), probabilities)
        expectClose(loss, try fixture.tensor("output"), 1e-5, "loss")
        try loss.backward()
        expectClose(probabilities.gradient, try fixture.tensor("grads", "input"), 1e-4, "gradient")
    }

    @Test func categoricalCrossEntropy() throws {
        let fixture = try KerasFixture("loss_cce_probs")
        let probabilities = try fixture.tensor("input").trackingGradient()
        let loss = try CategoricalCrossentropy()(try fixture.tensor("labels"), probabilities)
        expectClose(loss, try fixture.tensor("output"), 1e-5, "loss")
        try loss.backward()
        expectClose(probabilities.gradient, try fixture.tensor("grads", "input"), 1e-4, "gradient")
    }

    @Test func meanSquaredError() throws {
        let fixture = try KerasFixture("loss_mse")
        let prediction = try fixture.tensor("input").trackingGradient()
        let loss = try MeanSquaredError()(try fixture.tensor("labels"), prediction)
        expectClose(loss, try fixture.tensor("output"), 1e-5, "loss")
        try loss.backward()
        expectClose(prediction.gradient, try fixture.tensor("grads", "input"), 1e-5, "gradient")
    }

    @Test func sparseCategoricalAccuracy() throws {
        let fixture = try KerasFixture("metric_sparse_categorical_accuracy")
        let metric = SparseCategoricalAccuracy()
        try metric.update(try fixture.tensor("labels"), try fixture.tensor("input"))
        #expect(abs(metric.result - Double(try fixture.tensor("output").scalars[0])) < 1e-6)
    }

    @Test func labelsOutsideTheClassesAreRejected() throws {
        let prediction = try Tensor(shape: [2, 3], scalars: [0.2, 0.3, 0.5, 0.1, 0.1, 0.8])
        #expect(throws: SwiftCNNError.self) {
            try SparseCategoricalCrossentropy()(try Tensor(shape: [2], scalars: [0, 3]), prediction)
        }
    }
}
