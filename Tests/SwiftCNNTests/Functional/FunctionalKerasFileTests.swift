import Foundation
import Testing

@testable import SwiftCNN

/// Keras 3's Functional `.keras` files: reading what Keras wrote, writing what Keras reads.
@Suite struct FunctionalKerasFileTests {
    private func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        maxAbsDifference(a.scalars, b.scalars)
    }

    @Test func loadsKeras3FunctionalFile() throws {
        let model = try KerasModelFile.load(Keras3Fixtures.path("functional.keras"))
        #expect(model.typeName == "Functional")
        #expect(model.name == "functional_fixture")
        #expect(model.optimizer?.iterations == 2)
        #expect(model.children.map(\.layer.name) == [
            "image", "conv2d", "batch_normalization", "activation", "conv2d_1", "conv2d_2", "shared", "add",
            "concatenate", "max_pooling2d", "global_average_pooling2d", "dense",
        ])
        let x = try NPY.read(Keras3Fixtures.path("functional.input.npy"))
        let expected = try NPY.read(Keras3Fixtures.path("functional.expected.npy"))
        #expect(maxDifference(try model.predict(x, batchSize: 4), expected) < 1e-5)
    }

    /// SwiftCNN's config.json says what Keras 3's says: the same layers, configs and
    /// inbound nodes (Keras adds only bookkeeping: `shared_object_id`, `kwargs` masks,
    /// initializer axes).
    @Test func writesKeras3FunctionalConfig() throws {
        let model = try KerasModelFile.load(Keras3Fixtures.path("functional.keras"))
        let ours = try KerasModelConfig.json(for: model, file: "f.keras")
        #expect(ours.object?["class_name"] == "Functional")
        let config = try #require(ours.object?["config"]?.object)
        #expect(config["input_layers"] == ["image", 0, 0])
        #expect(config["output_layers"] == ["dense", 0, 0])
        let layers = try #require(config["layers"]?.array)
        let shared = try #require(layers.first { $0.object?["name"] == "shared" }?.object)
        let nodes = try #require(shared["inbound_nodes"]?.array)
        #expect(nodes.count == 2)
        let add = try #require(layers.first { $0.object?["name"] == "add" }?.object?["inbound_nodes"]?.array?.first)
        let history = add.object?["args"]?.array?.first?.array?.map { $0.object?["config"]?.object?["keras_history"] }
        #expect(history == [["shared", 0, 0], ["shared", 1, 0], ["activation", 0, 0]])

        // Read back, the same model.
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try KerasModelFile.save(model, to: "\(directory)/f.keras")
        let copy = try KerasModelFile.load("\(directory)/f.keras")
        let x = try NPY.read(Keras3Fixtures.path("functional.input.npy"))
        #expect(try copy.predict(x, batchSize: 4).scalars == model.predict(x, batchSize: 4).scalars)
        #expect(copy.children.map(\.layer.name) == model.children.map(\.layer.name))
        #expect(copy.optimizer?.iterations == 2)
    }

    @Test func architectureOnlyHasFreshWeights() throws {
        let (fresh, shape) = try KerasModelFile.loadArchitecture(Keras3Fixtures.path("functional.keras"))
        #expect(shape == [8, 8, 3])
        #expect(fresh.optimizer == nil)
        let loaded = try KerasModelFile.load(Keras3Fixtures.path("functional.keras"))
        #expect(fresh.namedParameters.map(\.path) == loaded.namedParameters.map(\.path))
        #expect(fresh.namedParameters[0].parameter.value.scalars != loaded.namedParameters[0].parameter.value.scalars)
    }

    @Test func refusesBrokenGraphs() throws {
        let bytes = try readWholeFile(Keras3Fixtures.path("functional.keras"))
        let entries = try ZipArchive.read(bytes, entries: ["config.json"], limit: 1 << 26, file: "f.keras")
        let text = String(decoding: try #require(entries["config.json"]), as: UTF8.self)
        func expectError(_ edited: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(edited != text, sourceLocation: sourceLocation)
            do {
                _ = try KerasModelConfig(json: Array(edited.utf8), file: "f.keras")
                Issue.record("no error", sourceLocation: sourceLocation)
            } catch {
                let line = "\(error)"
                #expect(line.hasPrefix("f.keras"), "\(line)", sourceLocation: sourceLocation)
                #expect(line.contains(fragment), "\(line)", sourceLocation: sourceLocation)
                #expect(!line.contains("\n"), sourceLocation: sourceLocation)
            }
        }
        expectError(text.replacingOccurrences(of: "\"keras_history\": [\"conv2d_2\", 0, 0]", with: "\"keras_history\": [\"nothing\", 0, 0]"), "reads a tensor that no layer makes")
        expectError(text.replacingOccurrences(of: "\"output_layers\": [\"dense\", 0, 0]", with: "\"output_layers\": [\"dense\", 3, 0]"), "output_layers names 'dense'")
        expectError(text.replacingOccurrences(of: "\"name\": \"conv2d_1\"", with: "\"name\": \"conv2d\""), "two layers are named 'conv2d'")
    }

    /// A long chain listed backwards (each layer reads the next one listed) loads in one
    /// pass per call, without deep recursion.
    @Test func longChainListedBackwards() throws {
        let count = 1000
        func tensor(_ name: String) -> String {
            "{\"class_name\": \"__keras_tensor__\", \"config\": {\"shape\": [null, 2], \"keras_history\": [\"\(name)\", 0, 0]}}"
        }
        var layers: [String] = []
        for i in (0..<count).reversed() {
            let source = i == 0 ? "x" : "a\(i - 1)"
            layers.append(
                "{\"class_name\": \"Activation\", \"name\": \"a\(i)\", \"config\": {\"name\": \"a\(i)\", \"activation\": \"relu\"}, \"inbound_nodes\": [{\"args\": [\(tensor(source))], \"kwargs\": {}}]}")
        }
        layers.append("{\"class_name\": \"InputLayer\", \"name\": \"x\", \"config\": {\"batch_shape\": [null, 2]}, \"inbound_nodes\": []}")
        let json = "{\"class_name\": \"Functional\", \"config\": {\"name\": \"chain\", \"layers\": [\(layers.joined(separator: ", "))], \"input_layers\": [\"x\", 0, 0], \"output_layers\": [\"a\(count - 1)\", 0, 0]}}"
        let config = try KerasModelConfig(json: Array(json.utf8), file: "chain.keras")
        #expect(config.inputShape == [2])
        #expect(config.model.children.count == count + 1)
        #expect(config.model.children.first?.layer.name == "x" && config.model.children.last?.layer.name == "a\(count - 1)")
        let y = try config.model(try Tensor(shape: [1, 2], scalars: [-1, 2]))
        #expect(y.scalars == [0, 2])
    }
}
