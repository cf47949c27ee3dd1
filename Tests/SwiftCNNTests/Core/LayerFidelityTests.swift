import Foundation
import Testing

@testable import SwiftCNN

/// Every layer against tf-keras: same weights and inputs, outputs within 1e-5 and
/// gradients of `sum(output · upstream)` within 1e-4.
@Suite struct LayerFidelityTests {
    static let layerCases =
        ["conv2d", "batchnorm", "activation", "maxpool", "avgpool", "global_avgpool", "dropout", "flatten", "dense"]
        .flatMap { KerasFixture.names(prefix: $0) }

    @Test(arguments: layerCases)
    func matchesKeras(_ name: String) throws {
        let fixture = try KerasFixture(name)
        let input = try fixture.tensor("input")
        let layer = try makeLayer(fixture)
        _ = try layer(input, training: false)  // builds the variables without touching moving statistics
        for parameter in layer.parameters {
            parameter.value = try fixture.tensor("weights", parameter.name)
        }
        let tracked = input.trackingGradient()
        let output = try layer(tracked, training: fixture.training)
        expectClose(output, try fixture.tensor("output"), 1e-5, "\(name) output")
        try output.backward(seed: try fixture.tensor("upstream"))
        expectClose(tracked.gradient, try fixture.tensor("grads", "input"), 1e-4, "\(name) input gradient")
        for parameter in layer.parameters where parameter.isTrainable {
            expectClose(parameter.gradient, try fixture.tensor("grads", parameter.name), 1e-4, "\(name) \(parameter.name) gradient")
        }
        if let loss = fixture.json["regularization_loss"] as? Double, let dense = layer as? Dense, let kernel = dense.kernel {
            #expect(abs(Double(kernel.regularizer?.loss(kernel.value) ?? -1) - loss) < 1e-6)
            expectClose(kernel.regularizer?.gradient(kernel.value), try fixture.tensor("grads_regularization", "kernel"), 1e-6, "l2 gradient")
        }
    }

    @Test func batchNormMovingStatisticsMatchKerasAfterOneCall() throws {
        for name in KerasFixture.names(prefix: "batchnorm") {
            let fixture = try KerasFixture(name)
            let layer = BatchNormalization()
            let input = try fixture.tensor("input")
            _ = try layer(input, training: false)
            for parameter in layer.parameters { parameter.value = try fixture.tensor("weights", parameter.name) }
            _ = try layer(input, training: fixture.training)
            for parameter in layer.parameters where !parameter.isTrainable {
                expectClose(parameter.value, try fixture.tensor("weights_after", parameter.name), 1e-6, "\(name) \(parameter.name)")
            }
        }
    }

    @Test(arguments: ["concatenate_channels", "add"])
    func mergeMatchesKeras(_ name: String) throws {
        let fixture = try KerasFixture(name)
        let inputs = try fixture.tensors("inputs").map { $0.trackingGradient() }
        let output = name == "add" ? try Add()(inputs) : try Concatenate()(inputs)
        expectClose(output, try fixture.tensor("output"), 1e-5, "\(name) output")
        try output.backward(seed: try fixture.tensor("upstream"))
        for (i, input) in inputs.enumerated() {
            expectClose(input.gradient, try fixture.tensor("grads", "input\(i)"), 1e-4, "\(name) input\(i) gradient")
        }
    }
}

/// Builds the layer a fixture describes from its Keras config.
func makeLayer(_ fixture: KerasFixture) throws -> Layer {
    let config = fixture.config
    let activation = ActivationFunction(rawValue: config["activation"] as? String ?? "linear") ?? .linear
    let padding = Padding(rawValue: config["padding"] as? String ?? "valid") ?? .valid
    switch fixture.json["layer"] as? String {
    case "Conv2D":
        return Conv2D(
            fixture.int("filters") ?? 1, kernelSize: fixture.pair("kernel_size") ?? 1, strides: fixture.pair("strides") ?? 1,
            padding: padding, activation: activation, useBias: config["use_bias"] as? Bool ?? true)
    case "BatchNormalization":
        return BatchNormalization(
            momentum: Float((config["momentum"] as? Double) ?? 0.99), epsilon: Float((config["epsilon"] as? Double) ?? 1e-3))
    case "Activation":
        return Activation(activation)
    case "MaxPooling2D", "MaxPool2D":
        return MaxPool2D(poolSize: fixture.pair("pool_size") ?? 2, strides: fixture.pair("strides"), padding: padding)
    case "AveragePooling2D":
        return AveragePooling2D(poolSize: fixture.pair("pool_size") ?? 2, strides: fixture.pair("strides"), padding: padding)
    case "GlobalAveragePooling2D":
        return GlobalAveragePooling2D()
    case "Dropout":
        return Dropout(Float(config["rate"] as? Double ?? 0))
    case "Flatten":
        return Flatten()
    case "Dense":
        let regularizer: Regularizer? = (config["kernel_regularizer"] as? [String: Any]).map {
            .l2(Float(($0["l2"] as? Double) ?? 0.01))
        }
        return Dense(
            fixture.int("units") ?? 1, activation: activation, useBias: config["use_bias"] as? Bool ?? true,
            kernelRegularizer: regularizer)
    case let other:
        throw SwiftCNNError("fixture layer \(other ?? "nil") is not known to the tests")
    }
}
