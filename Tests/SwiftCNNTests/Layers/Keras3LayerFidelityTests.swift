import Foundation
import Testing

@testable import SwiftCNN

extension KerasFixture {
    /// A fixture of `Tools/make_layer_fixtures.py` (Fixtures/keras3_layers, Keras 3).
    init(layer name: String) throws {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            throw SwiftCNNError("fixtures folder missing from the test bundle")
        }
        let data = try Data(contentsOf: root.appendingPathComponent("keras3_layers/\(name).json"))
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw SwiftCNNError("\(name).json is not a JSON object")
        }
        self.json = json
    }

    static var layerNames: [String] {
        guard let root = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
            let files = try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("keras3_layers").path)
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.sorted()
    }

    /// The layer built from the Keras 3 config the fixture stores, through the `.keras` reader.
    func kerasLayer() throws -> Layer {
        let bytes = try JSONSerialization.data(withJSONObject: json["keras_config"] ?? [:])
        return try KerasLayerConfig.layer(try JSONValue.decode(Array(bytes)), file: "fixture")
    }
}

/// The layers beyond the course's first set against Keras 3: the layer built from Keras's
/// own config, Keras's weights and input, output within 1e-5 and the gradients of
/// `sum(output · R)` (input and every weight) within 1e-4.
@Suite struct Keras3LayerFidelityTests {
    static let cases = KerasFixture.layerNames

    @Test func everyLayerHasFixtures() {
        for prefix in [
            "depthwise", "separable", "transpose", "zero_padding", "up_sampling", "leaky_relu", "relu_", "layer_normalization",
            "reshape", "rescaling",
        ] {
            #expect(Self.cases.contains { $0.hasPrefix(prefix) }, "no fixture for \(prefix)")
        }
    }

    @Test(arguments: cases)
    func matchesKeras(_ name: String) throws {
        let fixture = try KerasFixture(layer: name)
        let layer = try fixture.kerasLayer()
        #expect(layer.typeName == fixture.json["layer"] as? String)
        let input = try fixture.tensor("input")
        _ = try layer(input)
        let weights = fixture.json["weights"] as? [String: Any] ?? [:]
        #expect(Set(layer.parameters.map(\.name)) == Set(weights.keys), "\(name): weight names")
        for parameter in layer.parameters { parameter.value = try fixture.tensor("weights", parameter.name) }
        let tracked = input.trackingGradient()
        let output = try layer(tracked, training: true)
        expectClose(output, try fixture.tensor("output"), 1e-5, "\(name) output")
        try output.backward(seed: try fixture.tensor("upstream"))
        expectClose(tracked.gradient, try fixture.tensor("grads", "input"), 1e-4, "\(name) input gradient")
        for parameter in layer.parameters where parameter.isTrainable {
            expectClose(parameter.gradient, try fixture.tensor("grads", parameter.name), 1e-4, "\(name) \(parameter.name) gradient")
        }
    }

    /// What SwiftCNN writes for a layer reads back as the same layer and the same entry,
    /// and holds the keys Keras wrote (so Keras can read it too).
    @Test(arguments: cases)
    func configRoundTrips(_ name: String) throws {
        let fixture = try KerasFixture(layer: name)
        let layer = try fixture.kerasLayer()
        let entry = try #require(KerasLayerConfig.entry(layer))
        let again = try KerasLayerConfig.layer(entry, file: "round trip")
        #expect(KerasLayerConfig.entry(again) == entry)
        let keys = Set(((fixture.json["keras_config"] as? [String: Any])?["config"] as? [String: Any] ?? [:]).keys)
        let written = Set(entry.object?["config"]?.object?.keys.map { $0 } ?? [])
        #expect(keys == written, "\(name): keys \(keys.symmetricDifference(written).sorted())")
    }

    @Test func kerasNames() throws {
        let layers: [Layer] = [
            DepthwiseConv2D(kernelSize: 3), SeparableConv2D(2, kernelSize: 3), Conv2DTranspose(2, kernelSize: 3), ZeroPadding2D(),
            UpSampling2D(), LeakyReLU(), ReLU(), LayerNormalization(), Reshape(targetShape: [-1]), Rescaling(0.5),
        ]
        let model = Sequential(layers: layers)
        model.prepare(seed: 0)
        #expect(
            layers.map(\.name) == [
                "depthwise_conv2d", "separable_conv2d", "conv2d_transpose", "zero_padding2d", "up_sampling2d", "leaky_re_lu",
                "re_lu", "layer_normalization", "reshape", "rescaling",
            ])
        #expect(LeakyReLU().negativeSlope == 0.3)
    }
}
