import Foundation
import Testing

@testable import SwiftCNN

/// `keras/<name>/predictions.json`.
private struct Predictions: Decodable {
    var inputShape: [Int]
    var inputs: [Float]
    var probabilities: [Float]

    enum CodingKeys: String, CodingKey {
        case inputShape = "input_shape"
        case inputs, probabilities
    }
}

/// The small course models the fixtures were made with (4x4x3 input).
private func smallModel(_ name: String) -> Model {
    switch name {
    case "ResNet18": ResNet18(blockList: [1, 1], initialFilters: 4)
    case "Inception10": Inception10(numBlocks: 1, initCh: 4)
    default: Baseline()
    }
}

private func builtSmallModel(_ name: String, seed: UInt64 = 0) throws -> Model {
    let model = smallModel(name)
    model.seed = seed
    try model.build(inputShape: [4, 4, 3])
    return model
}

private func snapshot(_ model: Layer) -> [[Float]] { model.namedParameters.map { $0.parameter.value.scalars } }

@Suite struct KerasCheckpointTests {
    static let small = ["Baseline", "ResNet18", "Inception10"]

    /// The keys and shapes SwiftCNN derives for the six full-size models are
    /// exactly those tf.keras writes.
    @Test(arguments: ["Baseline", "LeNet5", "AlexNet8", "VGG16", "Inception10", "ResNet18"])
    func keysMatchTensorFlow(name: String) throws {
        let all = try JSONDecoder().decode(
            [String: [String: [Int]]].self, from: Data(IOFixtures.bytes("keras/keys.json")))
        let expected = try #require(all[name])
        let model: Model =
            switch name {
            case "LeNet5": LeNet5()
            case "AlexNet8": AlexNet8()
            case "VGG16": VGG16()
            case "Inception10": Inception10()
            case "ResNet18": ResNet18()
            default: Baseline()
            }
        try model.build(inputShape: [32, 32, 3])
        let graph = KerasObjectGraph(model: model)
        let actual = Dictionary(uniqueKeysWithValues: graph.variables.map { ($0.key, $0.parameter.shape) })
        #expect(actual == expected)
    }

    @Test(arguments: small, ["trained", "fresh"])
    func loadsKerasCheckpointAndPredictsAlike(name: String, file: String) throws {
        let model = try builtSmallModel(name, seed: 99)
        try model.loadWeights(IOFixtures.path("keras/\(name)/\(file).ckpt"))
        let p = try JSONDecoder().decode(
            Predictions.self, from: Data(IOFixtures.bytes("keras/\(name)/predictions.json")))
        let output = try model(Tensor(shape: p.inputShape, scalars: p.inputs), training: false)
        let difference = maxAbsDifference(output.scalars, p.probabilities)
        #expect(output.count == p.probabilities.count)
        #expect(difference < 1e-5, "max |Δp| = \(difference)")
    }

    /// weights.txt is byte-identical to the course's loop run by tf.keras.
    @Test(arguments: small)
    func weightsTextMatchesKeras(name: String) throws {
        let model = try builtSmallModel(name)
        try model.loadWeights(IOFixtures.path("keras/\(name)/trained.ckpt"))
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.writeWeightsText(to: dir + "/weights.txt")
        let ours = try String(contentsOfFile: dir + "/weights.txt", encoding: .utf8)
        let theirs = try IOFixtures.text("keras/\(name)/weights.txt")
        #expect(ours == theirs)
    }

    /// SwiftCNN's checkpoint of the same weights: the data file equals
    /// TensorFlow's up to the object graph tensor (same keys, order, bytes),
    /// and every variable entry of the index is identical. The object graph
    /// itself differs (see ObjectGraph.swift), and the state file matches.
    @Test(arguments: small)
    func savedCheckpointMatchesTensorFlowLayout(name: String) throws {
        let model = try builtSmallModel(name)
        let tfPrefix = try IOFixtures.path("keras/\(name)/fresh.ckpt")
        try model.loadWeights(tfPrefix)
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.saveWeights(dir + "/fresh.ckpt")

        let tfData = try readWholeFile(TensorBundle.dataPath(prefix: tfPrefix))
        let ourData = try readWholeFile(TensorBundle.dataPath(prefix: dir + "/fresh.ckpt"))
        let tfLayout = try TensorBundle.decodeWithLayout(
            index: readWholeFile(TensorBundle.indexPath(prefix: tfPrefix)), shards: [tfData])
        let ourLayout = try TensorBundle.decodeWithLayout(
            index: readWholeFile(TensorBundle.indexPath(prefix: dir + "/fresh.ckpt")), shards: [ourData])
        let graphOffset = try #require(tfLayout.first { $0.entry.key == KerasObjectGraph.graphKey }?.offset)
        #expect(ourLayout.first { $0.entry.key == KerasObjectGraph.graphKey }?.offset == graphOffset)
        #expect(Array(ourData[..<graphOffset]) == Array(tfData[..<graphOffset]))
        let tfVariables = tfLayout.filter { $0.entry.key != KerasObjectGraph.graphKey }
        let ourVariables = ourLayout.filter { $0.entry.key != KerasObjectGraph.graphKey }
        #expect(tfVariables.map(\.entry) == ourVariables.map(\.entry))
        #expect(tfVariables.map(\.offset) == ourVariables.map(\.offset))
        #expect(
            try String(contentsOfFile: dir + "/checkpoint", encoding: .utf8)
                == IOFixtures.text("keras/\(name)/checkpoint"))
    }

    @Test(arguments: small)
    func roundTripsThroughSwiftCheckpoints(name: String) throws {
        let source = try builtSmallModel(name, seed: 1)
        let target = try builtSmallModel(name, seed: 2)
        #expect(snapshot(source) != snapshot(target))
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try source.saveWeights(dir + "/m.ckpt")
        try target.loadWeights(dir + "/m.ckpt")
        #expect(snapshot(source) == snapshot(target))

        let third = try builtSmallModel(name, seed: 3)
        try source.saveSafeTensors(to: dir + "/m.safetensors")
        try third.loadSafeTensors(from: dir + "/m.safetensors")
        #expect(snapshot(source) == snapshot(third))
    }

    /// Wrong model, wrong shapes, unbuilt model: an error naming file and
    /// variable, and no parameter changed.
    @Test func mismatchesAreRejectedWithoutPartialLoads() throws {
        let baselinePrefix = try IOFixtures.path("keras/Baseline/trained.ckpt")
        let resnet = try builtSmallModel("ResNet18")
        let before = snapshot(resnet)
        let wrongModel = expectCheckpointError { try resnet.loadWeights(baselinePrefix) }
        #expect(wrongModel?.file == baselinePrefix + ".index")
        #expect(wrongModel?.variable != nil)
        #expect(snapshot(resnet) == before)

        // Baseline built for 8x8 input: f1/kernel is 384x128, the file's 96x128.
        let big = Baseline()
        try big.build(inputShape: [8, 8, 3])
        let bigBefore = snapshot(big)
        let wrongShape = expectCheckpointError { try big.loadWeights(baselinePrefix) }
        #expect(wrongShape?.variable?.contains("f1/kernel") == true)
        #expect(wrongShape?.message.contains("shape") == true)
        #expect(snapshot(big) == bigBefore)

        let unbuilt = expectCheckpointError { try Baseline().loadWeights(baselinePrefix) }
        #expect(unbuilt?.message.contains("build") == true)
        let missing = expectCheckpointError { try resnet.loadWeights("/nonexistent/model.ckpt") }
        #expect(missing?.file == "/nonexistent/model.ckpt.index")
    }

    /// A checkpoint whose data is damaged loads nothing.
    @Test func corruptCheckpointLoadsNothing() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = try builtSmallModel("Baseline", seed: 5)
        try source.saveWeights(dir + "/m.ckpt")
        var data = try readWholeFile(dir + "/m.ckpt.data-00000-of-00001")
        data[data.count / 2] ^= 0xff
        try Data(data).write(to: URL(fileURLWithPath: dir + "/m.ckpt.data-00000-of-00001"))
        let target = try builtSmallModel("Baseline", seed: 6)
        let before = snapshot(target)
        let error = expectCheckpointError { try target.loadWeights(dir + "/m.ckpt") }
        #expect(error?.message.contains("CRC32C") == true)
        #expect(snapshot(target) == before)
    }
}
