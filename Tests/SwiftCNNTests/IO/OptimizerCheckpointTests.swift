import Foundation
import Testing

@testable import SwiftCNN

/// Optimizer state in Keras's layout (tf-keras 2.21: `optimizer/_iterations`,
/// `_learning_rate`, `_variables/N` = Adam's m and v per trainable variable).
@Suite struct OptimizerCheckpointTests {
    private func compiledSmallModel(_ name: String, optimizer: Optimizer = Adam()) throws -> Model {
        let model: Model =
            switch name {
            case "ResNet18": ResNet18(blockList: [1, 1], initialFilters: 4)
            case "Inception10": Inception10(numBlocks: 1, initCh: 4)
            default: Baseline()
            }
        try model.build(inputShape: [4, 4, 3])
        model.compile(optimizer: optimizer, loss: SparseCategoricalCrossentropy())
        return model
    }

    /// Keras's Adam state (two steps of fit) lands in SwiftCNN's Adam, and
    /// SwiftCNN writes it back to the same bytes TensorFlow wrote.
    @Test(arguments: KerasCheckpointTests.small)
    func kerasAdamStateRoundTrips(name: String) throws {
        let prefix = try IOFixtures.path("keras/\(name)/trained.ckpt")
        let model = try compiledSmallModel(name)
        try model.loadWeights(prefix)
        let optimizer = try #require(model.optimizer)
        #expect(optimizer.iterations == 2)
        #expect(optimizer.learningRate == 0.001)
        let tensors = Dictionary(
            uniqueKeysWithValues: try TensorBundle.read(prefix: prefix).map { ($0.key, $0.tensor) })
        for (k, parameter) in model.trainableWeights.enumerated() {
            let slots = optimizer.slots(for: parameter)
            #expect(
                slots["m"]?.scalars == tensors["optimizer/_variables/\(2 * k + 1)/.ATTRIBUTES/VARIABLE_VALUE"]?.floats)
            #expect(
                slots["v"]?.scalars == tensors["optimizer/_variables/\(2 * k + 2)/.ATTRIBUTES/VARIABLE_VALUE"]?.floats)
        }

        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.saveWeights(dir + "/trained.ckpt")
        let theirs = try TensorBundle.decodeWithLayout(
            index: readWholeFile(prefix + ".index"), shards: [readWholeFile(prefix + ".data-00000-of-00001")])
        let ours = try TensorBundle.decodeWithLayout(
            index: readWholeFile(dir + "/trained.ckpt.index"),
            shards: [readWholeFile(dir + "/trained.ckpt.data-00000-of-00001")])
        let strip = { (layout: [(entry: TensorBundleEntry, shard: Int, offset: Int)]) in
            layout.filter { $0.entry.key != KerasObjectGraph.graphKey }.map { "\($0.entry.key)@\($0.offset)" }
        }
        #expect(strip(ours) == strip(theirs))
        #expect(
            ours.filter { $0.entry.key != KerasObjectGraph.graphKey }.map(\.entry)
                == theirs.filter { $0.entry.key != KerasObjectGraph.graphKey }.map(\.entry))
    }

    @Test func swiftTrainedStateRoundTrips() throws {
        let source = try compiledSmallModel("ResNet18")
        let x = try Tensor(shape: [8, 4, 4, 3], scalars: (0..<384).map { Float($0 % 17) / 17 })
        let y = try Tensor(shape: [8], scalars: (0..<8).map { Float($0 % 10) })
        for _ in 0..<3 { try source.trainStep(x, y) }
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try source.saveWeights(dir + "/m.ckpt")
        let keys = try TensorBundle.read(prefix: dir + "/m.ckpt").map(\.key)
        #expect(keys.contains("optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE"))

        let target = try compiledSmallModel("ResNet18", optimizer: Adam(learningRate: 0.5))
        try target.loadWeights(dir + "/m.ckpt")
        let (a, b) = (try #require(source.optimizer), try #require(target.optimizer))
        #expect(b.iterations == 3 && b.learningRate == a.learningRate)
        for parameter in zip(source.trainableWeights, target.trainableWeights) {
            #expect(a.slots(for: parameter.0)["m"]?.scalars == b.slots(for: parameter.1)["m"]?.scalars)
            #expect(a.slots(for: parameter.0)["v"]?.scalars == b.slots(for: parameter.1)["v"]?.scalars)
        }
        // One more step from the restored state gives the same weights.
        try source.trainStep(x, y)
        try target.trainStep(x, y)
        #expect(
            source.namedParameters.map { $0.parameter.value.scalars }
                == target.namedParameters.map { $0.parameter.value.scalars })
    }

    /// Adam state in the file but an SGD model: the model's weights load,
    /// SGD keeps its own (fresh) state.
    @Test func otherOptimizerStateIsIgnored() throws {
        let model = try compiledSmallModel("Baseline", optimizer: SGD(learningRate: 0.1, momentum: 0.9))
        try model.loadWeights(IOFixtures.path("keras/Baseline/trained.ckpt"))
        #expect(model.optimizer?.iterations == 0)
        #expect(model.optimizer?.learningRate == 0.1)
    }
}
