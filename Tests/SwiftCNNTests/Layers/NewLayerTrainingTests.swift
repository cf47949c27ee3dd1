import Foundation
import Testing

@testable import SwiftCNN

/// The new layers in a model: trained with `fit`, the loss falls; saved as Keras 3's
/// `.weights.h5` and loaded into a fresh model, the predictions are the same.
@Suite struct NewLayerTrainingTests {
    func model() -> Sequential {
        let model = Sequential(layers: [
            Rescaling(2, offset: -1),
            ZeroPadding2D(padding: 1),
            DepthwiseConv2D(kernelSize: 3, depthMultiplier: 2),
            LeakyReLU(),
            SeparableConv2D(4, kernelSize: 3, strides: 2, padding: .same),
            LayerNormalization(),
            Conv2DTranspose(3, kernelSize: 2, strides: 2),
            ReLU(maxValue: 6),
            UpSampling2D(size: 2, interpolation: .bilinear),
            Reshape(targetShape: [-1, 3]),
            Flatten(),
            Dense(3, activation: .softmax),
        ])
        model.seed = 7
        return model
    }

    @Test func trainsAndRoundTripsThroughKerasWeights() throws {
        var random = RandomGenerator(seed: 11)
        let count = 12 * 6 * 6 * 2
        let x = try Tensor(shape: [12, 6, 6, 2], scalars: (0..<count).map { _ in random.nextUniform() })
        let y = try Tensor(shape: [12], scalars: (0..<12).map { Float($0 % 3) })
        let trained = model()
        try trained.build(inputShape: [6, 6, 2])
        trained.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy())
        let history = try trained.fit(x: x, y: y, batchSize: 4, epochs: 6, shuffle: false, verbose: false)
        let losses = history["loss"]
        #expect(losses.count == 6)
        #expect((losses.last ?? .infinity) < (losses.first ?? 0) * 0.9, "losses \(losses)")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftcnn-layers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.weights.h5").path
        try trained.saveWeights(to: path)
        let loaded = model()
        loaded.seed = 99  // different initial weights, so only the file can make them agree
        try loaded.build(inputShape: [6, 6, 2])
        #expect(try loaded(x).maxAbsDifference(try trained(x)) > 1e-4)
        try loaded.loadWeights(from: path)
        #expect(try loaded(x).maxAbsDifference(try trained(x)) == 0)
        // The whole model as a `.keras` archive: config entries and weights read back.
        let archive = folder.appendingPathComponent("model.keras").path
        try KerasModelFile.save(trained, to: archive)
        let rebuilt = try KerasModelFile.load(archive)
        #expect(rebuilt.descendants.map(\.typeName) == trained.descendants.map(\.typeName))
        #expect(try rebuilt(x).maxAbsDifference(try trained(x)) == 0)
        let names = trained.descendants.flatMap { layer in layer.parameters.map { "\(layer.name)/\($0.name)" } }
        #expect(names.contains("depthwise_conv2d/kernel"))
        #expect(names.contains("separable_conv2d/pointwise_kernel"))
        #expect(names.contains("layer_normalization/gamma"))
        #expect(names.contains("conv2d_transpose/kernel"))
    }

    /// A `.keras` archive Keras 3 wrote (`Tools/make_layer_fixtures.py`: the same layers,
    /// trained two Adam steps) loads and predicts what Keras predicted.
    @Test func loadsKerasArchiveOfTheNewLayers() throws {
        let root = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            .appendingPathComponent("keras3_layers")
        let model = try KerasModelFile.load(root.appendingPathComponent("model.keras").path)
        let x = try NPY.read(root.appendingPathComponent("model.input.npy").path)
        let expected = try NPY.read(root.appendingPathComponent("model.expected.npy").path)
        expectClose(try model(x), expected, 1e-5, "model.keras predictions")
    }
}
