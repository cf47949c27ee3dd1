import CHDF5
import Foundation
import Testing

@testable import SwiftCNN

/// The SwiftCNN twins of the models Tools/make_keras3_fixtures.py writes with Keras 3.
enum Keras3Fixtures {
    static let names = ["sequential", "global_pooling", "inception10", "resnet18", "lists"]

    static func model(_ name: String) -> Model {
        switch name {
        case "sequential":
            return Sequential {
                Conv2D(4, kernelSize: (3, 3), strides: (1, 1), padding: .same, activation: .relu)
                BatchNormalization(momentum: 0.9, epsilon: 1e-3)
                Activation(.tanh)
                MaxPool2D(poolSize: 2, strides: 2, padding: .same)
                Conv2D(5, kernelSize: (3, 2), strides: (2, 1), padding: .valid, useBias: false)
                BatchNormalization(momentum: 0.99, epsilon: 1e-5)
                Activation(.sigmoid)
                AveragePooling2D(poolSize: Size2D(1, 2), strides: 1, padding: .valid)
                Dropout(0.25)
                Flatten()
                Dense(6, activation: .relu)
                Dense(3, activation: .softmax, useBias: false)
            }
        case "global_pooling":
            return Sequential {
                Conv2D(3, kernelSize: 3, padding: .same)
                GlobalAveragePooling2D()
                Dense(2, activation: .softmax)
            }
        case "inception10": return Inception10(numBlocks: 1, numClasses: 3, initCh: 2)
        case "resnet18": return ResNet18(blockList: [1, 1], initialFilters: 2)
        default: return ListsModel()
        }
    }

    static func inputShape(_ name: String) -> [Int] {
        switch name {
        case "global_pooling": [6, 6, 2]
        case "lists": [6, 6, 3]
        default: [8, 8, 3]
        }
    }

    static func path(_ file: String) throws -> String { try IOFixtures.path("keras3/\(file)") }

    /// The fixture's model, built with a seed of its own and compiled with Adam.
    static func built(_ name: String, seed: UInt64 = 7) throws -> Model {
        let model = self.model(name)
        model.seed = seed
        try model.build(inputShape: inputShape(name))
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        return model
    }

    /// The largest |SwiftCNN − Keras| over the fixture's predictions.
    static func predictionDifference(_ model: Model, _ name: String) throws -> Float {
        let x = try NPY.read(path("\(name).input.npy"))
        let expected = try NPY.read(path("\(name).expected.npy"))
        let ours = try model.predict(x, batchSize: 4)
        #expect(ours.shape == expected.shape)
        return maxAbsDifference(ours.scalars, expected.scalars)
    }
}

/// The fixtures' subclassed model with a list of lists (as VGG16's `convs`).
final class ListsModel: Model {
    let convs: [[Layer]] = [
        [Conv2D(4, kernelSize: 3, padding: .same), BatchNormalization(), Activation(.relu)],
        [Conv2D(4, kernelSize: 3, padding: .same), MaxPool2D(poolSize: 2, strides: 2, padding: .same), Dropout(0.2)],
    ]
    let flatten = Flatten()
    let f1 = Dense(5, activation: .softmax)

    override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        var x = x
        for block in convs { for layer in block { x = try layer(x, training: training) } }
        return try f1(flatten(x, training: training), training: training)
    }
}

/// Every group and dataset path of an HDF5 file, with each dataset's shape.
func hdf5Listing(_ bytes: [UInt8]) throws -> [String] {
    try HDF5.locked {
        let file = try HDF5File.open(bytes: bytes, name: "listing")
        var lines: [String] = []
        var pending = [file.root]
        while let group = pending.popLast() {
            for name in try group.childNames() {
                if let child = try group.group(name) {
                    lines.append(child.path + "/")
                    pending.append(child)
                } else {
                    let dataset = try group.dataset(name, limit: 1 << 30)
                    lines.append("\(group.childPath(name)) \(dataset.element) \(dataset.shape)")
                }
            }
        }
        return lines.sorted()
    }
}

@Suite struct KerasWeightsFileTests {
    @Test(arguments: Keras3Fixtures.names)
    func loadsWhatKeras3Wrote(name: String) throws {
        let model = try Keras3Fixtures.built(name)
        let before = try Keras3Fixtures.predictionDifference(model, name)
        try model.loadWeights(from: Keras3Fixtures.path("\(name).weights.h5"))
        let difference = try Keras3Fixtures.predictionDifference(model, name)
        #expect(difference <= 1e-5, "\(name): max |SwiftCNN - Keras 3| = \(difference)")
        #expect(before > 1e-3, "\(name): the fresh model already predicted Keras's values")
        // Two Adam steps of Keras (learning rate 0.01) came with the weights.
        let optimizer = try #require(model.optimizer)
        #expect(optimizer.iterations == 2)
        #expect(optimizer.learningRate == 0.01)
        let moments = model.trainableWeights.compactMap { optimizer.slots(for: $0)["v"] }
        #expect(moments.count == model.trainableWeights.count)
        #expect(moments.contains { $0.scalars.contains { $0 > 0 } })
    }

    /// SwiftCNN writes exactly the groups, datasets and shapes Keras 3 wrote.
    @Test(arguments: Keras3Fixtures.names)
    func writesKeras3Layout(name: String) throws {
        let model = try Keras3Fixtures.built(name)
        try model.loadWeights(from: Keras3Fixtures.path("\(name).weights.h5"))
        let ours = try KerasWeightsFile.encode(model, file: "\(name).weights.h5")
        let theirs = try readWholeFile(Keras3Fixtures.path("\(name).weights.h5"))
        #expect(try hdf5Listing(ours) == hdf5Listing(theirs))
    }

    @Test(arguments: ["sequential", "resnet18"])
    func roundTripsThroughTheFile(name: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try Keras3Fixtures.built(name, seed: 3)
        let x = try NPY.read(Keras3Fixtures.path("\(name).input.npy"))
        let labels = try Tensor(shape: [4], scalars: [0, 1, 2, 0])
        for _ in 0..<2 { _ = try source.trainStep(x, labels) }
        let path = "\(directory)/nested/\(name).weights.h5"
        try source.saveWeights(to: path)
        let copy = try Keras3Fixtures.built(name, seed: 11)
        try copy.loadWeights(from: path)
        for (a, b) in zip(source.namedParameters, copy.namedParameters) {
            #expect(a.parameter.value.scalars == b.parameter.value.scalars, "\(a.path)")
        }
        let (from, to) = (try #require(source.optimizer), try #require(copy.optimizer))
        #expect(to.iterations == 2)
        for (a, b) in zip(source.trainableWeights, copy.trainableWeights) {
            #expect(from.slots(for: a)["m"]?.scalars == to.slots(for: b)["m"]?.scalars)
            #expect(from.slots(for: a)["v"]?.scalars == to.slots(for: b)["v"]?.scalars)
        }
        // The atomic writer leaves no temporary behind.
        let left = try FileManager.default.contentsOfDirectory(atPath: "\(directory)/nested")
        #expect(left == ["\(name).weights.h5"])
    }

    @Test func sgdWithoutMomentumHasNoSlots() throws {
        let model = Keras3Fixtures.model("global_pooling")
        try model.build(inputShape: [6, 6, 2])
        model.compile(optimizer: SGD(learningRate: 0.1), loss: SparseCategoricalCrossentropy())
        let x = try NPY.read(Keras3Fixtures.path("global_pooling.input.npy"))
        _ = try model.trainStep(x, try Tensor(shape: [4], scalars: [0, 1, 0, 1]))
        let listing = try hdf5Listing(KerasWeightsFile.encode(model, file: "sgd.weights.h5"))
        #expect(listing.filter { $0.hasPrefix("optimizer/vars/") && !$0.hasSuffix("/") } == [
            "optimizer/vars/0 int64 []", "optimizer/vars/1 float32 []",
        ])
    }
}

@Suite struct KerasWeightsFileBadInputTests {
    private func fixtureBytes(_ name: String = "sequential") throws -> [UInt8] {
        try readWholeFile(Keras3Fixtures.path("\(name).weights.h5"))
    }

    private func expectFailure(
        _ bytes: [UInt8], model name: String = "sequential", contains fragment: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let model = try Keras3Fixtures.built(name)
        let before = model.namedParameters.map { $0.parameter.value.scalars }
        let error = expectCheckpointError({
            try KerasWeightsFile.load(into: model, bytes: bytes, file: "bad.weights.h5")
        }, sourceLocation: sourceLocation)
        let line = error.map(String.init(describing:)) ?? ""
        #expect(line.hasPrefix("bad.weights.h5"), "\(line)", sourceLocation: sourceLocation)
        #expect(line.contains(fragment), "\(line)", sourceLocation: sourceLocation)
        #expect(!line.contains("\n"), sourceLocation: sourceLocation)
        #expect(model.namedParameters.map { $0.parameter.value.scalars } == before, sourceLocation: sourceLocation)
    }

    @Test func notHDF5() throws {
        try expectFailure(Array("hello, world".utf8), contains: "not an HDF5 file")
        try expectFailure([], contains: "not an HDF5 file")
    }

    @Test func truncatedEverywhere() throws {
        let bytes = try fixtureBytes()
        for length in stride(from: 8, to: bytes.count, by: max(1, bytes.count / 23)) {
            let model = try Keras3Fixtures.built("sequential")
            let error = expectCheckpointError({
                try KerasWeightsFile.load(into: model, bytes: Array(bytes.prefix(length)), file: "cut.weights.h5")
            })
            #expect(error?.file == "cut.weights.h5")
        }
    }

    @Test func wrongModel() throws {
        try expectFailure(try fixtureBytes("resnet18"), model: "sequential", contains: "a different model?")
        try expectFailure(
            try fixtureBytes("sequential"), model: "global_pooling",
            contains: "layers/conv2d/vars/0': has shape [3, 3, 3, 4] but the model's parameter has shape [3, 3, 2, 3]")
    }

    /// A file edited with HDF5 itself: a variable removed, a shape changed.
    @Test func missingVariableAndShapeMismatch() throws {
        let model = try Keras3Fixtures.built("sequential")
        try model.loadWeights(from: Keras3Fixtures.path("sequential.weights.h5"))
        let good = try KerasWeightsFile.encode(model, file: "x")
        let edited: ([UInt8], (HDF5Group) throws -> Void) throws -> [UInt8] = { bytes, edit in
            try HDF5.locked {
                let file = try HDF5File.create(name: "edited")
                let source = try HDF5File.open(bytes: bytes, name: "source")
                try copyTree(source.root, into: file.root)
                try edit(file.root)
                return try file.image()
            }
        }
        let missing = try edited(good) { root in
            let vars = try #require(try root.group(atPath: "layers/dense/vars"))
            H5Ldelete(vars.id, "1", swiftcnn_h5p_default())
            try vars.writeFloats("1b", [1], shape: [1])
        }
        try expectFailure(missing, contains: "layers/dense/vars/1': not in the file")
        let reshaped = try edited(good) { root in
            let vars = try #require(try root.group(atPath: "layers/conv2d/vars"))
            H5Ldelete(vars.id, "0", swiftcnn_h5p_default())
            try vars.writeFloats("0", [Float](repeating: 0, count: 12), shape: [3, 4])
        }
        try expectFailure(reshaped, contains: "layers/conv2d/vars/0': has shape [3, 4] but the model's parameter has shape [3, 3, 3, 4]")
        let extra = try edited(good) { root in
            let vars = try #require(try root.group(atPath: "layers/dense_1/vars"))
            try vars.writeFloats("1", [0, 0, 0], shape: [3])
        }
        try expectFailure(extra, contains: "layers/dense_1/vars': holds 2 variables but the model's layer")
        let integers = try edited(good) { root in
            let vars = try #require(try root.group(atPath: "layers/dense_1/vars"))
            H5Ldelete(vars.id, "0", swiftcnn_h5p_default())
            try vars.writeInt64s("0", [Int64](repeating: 0, count: 18), shape: [6, 3])
        }
        try expectFailure(integers, contains: "layers/dense_1/vars/0': has dtype int64, expected float32")
    }
}

/// Copies every group, dataset (float32/int64) and `name` attribute of `source` into `target`.
func copyTree(_ source: HDF5Group, into target: HDF5Group) throws {
    if let name = try source.stringAttribute("name") { try target.setStringAttribute("name", name) }
    for name in try source.childNames() {
        if let group = try source.group(name) {
            try copyTree(group, into: target.createGroup(name))
        } else {
            let dataset = try source.dataset(name, limit: 1 << 30)
            switch dataset.element {
            case .int64: try target.writeInt64s(name, dataset.int64s, shape: dataset.shape)
            default: try target.writeFloats(name, dataset.floats, shape: dataset.shape)
            }
        }
    }
}
