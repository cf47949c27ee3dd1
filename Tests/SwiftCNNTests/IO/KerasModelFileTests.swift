import Foundation
import Testing

@testable import SwiftCNN

@Suite struct KerasModelFileTests {
    /// Sequential `.keras` files Keras 3 wrote: SwiftCNN builds the model from config.json
    /// (every argument of every layer) and predicts what Keras predicted.
    @Test(arguments: ["sequential", "global_pooling"])
    func loadsWhatKeras3Wrote(name: String) throws {
        let model = try KerasModelFile.load(Keras3Fixtures.path("\(name).keras"))
        let difference = try Keras3Fixtures.predictionDifference(model, name)
        #expect(difference <= 1e-5, "\(name): max |SwiftCNN - Keras 3| = \(difference)")
        #expect(model.lastInputShape.map { Array($0.dropFirst()) } == Keras3Fixtures.inputShape(name))
        // compile_config: Adam at 0.01, with its two steps of state.
        let optimizer = try #require(model.optimizer as? Adam)
        #expect(optimizer.learningRate == 0.01)
        #expect(optimizer.iterations == 2)
    }

    @Test func readsEveryLayerArgument() throws {
        let model = try #require(try KerasModelFile.load(Keras3Fixtures.path("sequential.keras")) as? Sequential)
        let expected = try #require(Keras3Fixtures.model("sequential") as? Sequential)
        #expect(model.layers.map(\.typeName) == expected.layers.map(\.typeName))
        let conv = try #require(model.layers[4] as? Conv2D)
        #expect(conv.kernelSize.pair == (3, 2) && conv.strides.pair == (2, 1))
        #expect(conv.padding == .valid && !conv.useBias && conv.activation == .linear)
        let norm = try #require(model.layers[5] as? BatchNormalization)
        #expect(norm.momentum == 0.99 && norm.epsilon == 1e-5)
        let pool = try #require(model.layers[7] as? AveragePooling2D)
        #expect(pool.poolSize.pair == (1, 2) && pool.strides.pair == (1, 1))
        #expect((model.layers[8] as? Dropout)?.rate == 0.25)
        #expect((model.layers[11] as? Dense)?.useBias == false)
        #expect(model.layers[0].name == "conv2d" && model.layers[11].name == "dense_1")
    }

    /// SwiftCNN's `.keras` of every fixture model and of the course's classes reads back
    /// as the same model with the same weights.
    @Test(arguments: ["sequential", "global_pooling", "inception10", "resnet18"])
    func roundTrips(name: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = try Keras3Fixtures.built(name)
        try model.loadWeights(from: Keras3Fixtures.path("\(name).weights.h5"))
        let path = "\(directory)/\(name).keras"
        try KerasModelFile.save(model, to: path)
        let copy = try KerasModelFile.load(path)
        #expect(type(of: copy) == type(of: model))
        #expect(copy.namedParameters.map(\.path) == model.namedParameters.map(\.path))
        for (a, b) in zip(model.namedParameters, copy.namedParameters) {
            #expect(a.parameter.value.scalars == b.parameter.value.scalars, "\(a.path)")
        }
        let difference = try Keras3Fixtures.predictionDifference(copy, name)
        #expect(difference <= 1e-5)
        // The archive holds what Keras 3's holds.
        let entries = try ZipArchive.read(
            readWholeFile(path), entries: ["metadata.json", "config.json", "model.weights.h5"], limit: 1 << 30,
            file: path)
        #expect(entries.keys.sorted() == ["config.json", "metadata.json", "model.weights.h5"])
    }

    @Test func writesCourseClassesWithTheirArguments() throws {
        let model = ResNet18(blockList: [1, 1], initialFilters: 2)
        try model.build(inputShape: [8, 8, 3])
        let json = try KerasModelConfig.json(for: model, file: "r.keras")
        #expect(json.object?["class_name"] == "ResNet18")
        #expect(json.object?["config"] == ["block_list": [1, 1], "initial_filters": 2])
    }
}

@Suite struct KerasModelFileBadInputTests {
    private func expectLine(
        _ bytes: [UInt8], contains fragment: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = expectCheckpointError({ _ = try KerasModelFile.decode(bytes, file: "bad.keras") }, sourceLocation: sourceLocation)
        let line = error.map(String.init(describing:)) ?? ""
        #expect(line.hasPrefix("bad.keras"), "\(line)", sourceLocation: sourceLocation)
        #expect(line.contains(fragment), "\(line)", sourceLocation: sourceLocation)
        #expect(!line.contains("\n"), sourceLocation: sourceLocation)
    }

    private func archive(config: JSONValue, weights: [UInt8]? = nil) throws -> [UInt8] {
        var entries: [(name: String, bytes: [UInt8])] = [("config.json", try config.encoded())]
        if let weights { entries.append(("model.weights.h5", weights)) }
        return try ZipArchive.encode(entries, file: "bad.keras")
    }

    private func sequentialConfig() throws -> JSONValue {
        let entries = try ZipArchive.read(
            readWholeFile(Keras3Fixtures.path("sequential.keras")), entries: ["config.json"], limit: 1 << 20, file: "x")
        return try JSONValue.decode(try #require(entries["config.json"]))
    }

    /// Replaces argument `key` of layer `index` of the Sequential fixture's config.
    private func editedLayer(_ index: Int, _ key: String, _ value: JSONValue?) throws -> JSONValue {
        var root = try #require(try sequentialConfig().object)
        var config = try #require(root["config"]?.object)
        var layers = try #require(config["layers"]?.array)
        var layer = try #require(layers[index].object)
        var arguments = try #require(layer["config"]?.object)
        arguments[key] = value
        layer["config"] = .object(arguments)
        layers[index] = .object(layer)
        config["layers"] = .array(layers)
        root["config"] = .object(config)
        return .object(root)
    }

    @Test func notAZip() {
        expectLine(Array("not a zip".utf8), contains: "not a readable zip archive")
        expectLine([], contains: "is empty (not a zip archive)")
    }

    @Test func truncatedAndCorrupt() throws {
        let bytes = try readWholeFile(Keras3Fixtures.path("sequential.keras"))
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 17)) {
            let error = expectCheckpointError({ _ = try KerasModelFile.decode(Array(bytes.prefix(length)), file: "cut.keras") })
            #expect(error?.file.hasPrefix("cut.keras") == true)
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<30 {
            var damaged = bytes
            for _ in 0..<4 { damaged[Int.random(in: 0..<damaged.count, using: &generator)] ^= 0x5A }
            do { _ = try KerasModelFile.decode(damaged, file: "damaged.keras") } catch let error as CheckpointError {
                #expect(error.file.hasPrefix("damaged.keras"))
            }
        }
    }

    @Test func missingEntries() throws {
        expectLine(try ZipArchive.encode([("other.txt", [1])], file: "x"), contains: "has no config.json")
        expectLine(try archive(config: try sequentialConfig()), contains: "has no model.weights.h5")
        expectLine(try archive(config: [1, 2]), contains: "config.json has no class_name")
        expectLine(try ZipArchive.encode([("config.json", Array("{".utf8))], file: "x"), contains: "not valid JSON")
    }

    @Test func unsupportedLayerAndArgument() throws {
        expectLine(
            try archive(config: try editedLayer(1, "dilation_rate", [2, 2])),
            contains: "layer 'conv2d' (Conv2D): argument 'dilation_rate' = [2, 2] is not supported; supported: [1, 1] or 1")
        expectLine(
            try archive(config: try editedLayer(1, "padding", "causal")),
            contains: "argument 'padding' = \"causal\" is not supported; supported: \"valid\" or \"same\"")
        expectLine(
            try archive(config: try editedLayer(3, "activation", "gelu")),
            contains: "layer 'activation' (Activation): argument 'activation' = \"gelu\" is not supported")
        expectLine(
            try archive(config: try editedLayer(2, "renorm", true)),
            contains: "layer 'batch_normalization' (BatchNormalization): argument 'renorm' = true is not supported")
        expectLine(
            try archive(config: try editedLayer(1, "surprise", 1)),
            contains: "argument 'surprise' = 1 is not supported; supported: the arguments Keras 3 writes for Conv2D")
        var root = try #require(try sequentialConfig().object)
        var config = try #require(root["config"]?.object)
        var layers = try #require(config["layers"]?.array)
        layers.append(["class_name": "LSTM", "config": ["name": "lstm"]])
        config["layers"] = .array(layers)
        root["config"] = .object(config)
        expectLine(
            try archive(config: .object(root)),
            contains: "layer 'lstm' has class LSTM, which SwiftCNN does not support; supported: Conv2D, Dense")
    }

    @Test func functionalAndUnknownModels() throws {
        expectLine(
            try archive(config: ["class_name": "Functional", "config": ["layers": []]]),
            contains: "config.json: Functional input_layers null is not [name, node, 0] or a list of them")
        expectLine(
            try readWholeFile(Keras3Fixtures.path("lists.keras")),
            contains: "config.json: model class 'ListsModel' is not supported; supported: Sequential, Functional, Baseline")
    }

    /// Keras 3 writes a course model's config from its constructor's defaults, so its own
    /// `.keras` of a small ResNet18 describes the full-size one; the weights then do not fit.
    @Test func wrongModelForTheWeights() throws {
        expectLine(
            try readWholeFile(Keras3Fixtures.path("resnet18.keras")),
            contains: "bad.keras/model.weights.h5: variable 'b1/vars/0': has shape [2] but the model's parameter has shape [64]")
    }
}
