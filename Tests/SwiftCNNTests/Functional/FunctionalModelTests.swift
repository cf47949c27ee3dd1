import Foundation
import Testing

@testable import SwiftCNN

/// A branch (two convolutions over one input, added) and a skip (the block's input
/// concatenated to the sum), written as a forward pass.
final class BranchAndSkip: Model {
    let c1 = Conv2D(4, kernelSize: 3, padding: .same)
    let b1 = BatchNormalization()
    let a1 = Activation(.relu)
    let c2 = Conv2D(4, kernelSize: 1, activation: .relu)
    let c3 = Conv2D(4, kernelSize: 3, padding: .same)
    let sum = Add()
    let join = Concatenate()
    let p1 = GlobalAveragePooling2D()
    let f1 = Dense(3, activation: .softmax)

    override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        let x1 = try a1(b1(c1(x, training: training), training: training), training: training)
        let y = try sum([c2(x1, training: training), c3(x1, training: training)])
        return try f1(p1(join([y, x1]), training: training), training: training)
    }

    /// The same graph with the same layers, through the Functional API.
    func functional(inputShape: [Int]) throws -> Model {
        let inputs = Input(shape: inputShape)
        let x1 = try a1(b1(c1(inputs)))
        let y = try sum([c2(x1), c3(x1)])
        return try Model(inputs: inputs, outputs: try f1(p1(join([y, x1]))))
    }
}

/// The Functional model of Tools/make_keras3_fixtures.py's `functional()`.
func functionalFixtureModel() throws -> Model {
    let inputs = Input(shape: [8, 8, 3], name: "image")
    var x = try Conv2D(4, kernelSize: 3, padding: .same, useBias: false)(inputs)
    x = try BatchNormalization(momentum: 0.9)(x)
    let a = try Activation(.relu)(x)
    let b = try Conv2D(4, kernelSize: 1, padding: .same, activation: .relu)(a)
    let c = try Conv2D(4, kernelSize: 3, padding: .same)(a)
    let shared = Conv2D(4, kernelSize: 1, padding: .same)
    shared.name = "shared"
    let s = try Add()([shared(b), shared(c), a])
    x = try Concatenate(axis: -1)([s, a])
    x = try MaxPool2D(poolSize: 2, strides: 2)(x)
    x = try GlobalAveragePooling2D()(x)
    return try Model(inputs: inputs, outputs: try Dense(3, activation: .softmax)(x), name: "functional_fixture")
}

@Suite struct FunctionalModelTests {
    static var x: Tensor { try! Tensor(shape: [2, 6, 6, 3], scalars: (0..<216).map { Float(($0 * 37) % 23) / 23 - 0.4 }) }
    static var labels: Tensor { try! Tensor(shape: [2], scalars: [2, 0]) }

    private func gradients(_ model: Model) throws -> [[Float]] {
        for p in model.trainableWeights { p.zeroGradient() }
        let loss = SparseCategoricalCrossentropy()
        let value = try GradientTape.recording { try loss(Self.labels, try model(Self.x, training: true)) }
        try value.backward()
        return model.trainableWeights.map { $0.gradient?.scalars ?? [] }
    }

    @Test func matchesTheSubclassedModel() throws {
        let subclassed = BranchAndSkip()
        subclassed.seed = 4
        try subclassed.build(inputShape: [6, 6, 3])
        let functional = try subclassed.functional(inputShape: [6, 6, 3])
        #expect(try functional(Self.x).scalars == subclassed(Self.x).scalars)
        #expect(try functional(Self.x, training: true).scalars == subclassed(Self.x, training: true).scalars)
        let (ours, theirs) = (try gradients(functional), try gradients(subclassed))
        #expect(ours.count == 10)
        // The same parameters, in a different order: compare by identity.
        let byParameter = Dictionary(
            uniqueKeysWithValues: zip(subclassed.trainableWeights.map(ObjectIdentifier.init), theirs))
        for (parameter, gradient) in zip(functional.trainableWeights, ours) {
            #expect(gradient == byParameter[ObjectIdentifier(parameter)], "\(parameter.name)")
            #expect(!gradient.isEmpty)
        }
    }

    @Test func namesPathsAndTypeAreKeras() throws {
        let model = try functionalFixtureModel()
        #expect(model.typeName == "Functional")
        #expect(model.isBuilt)
        #expect(model.children.map(\.layer.name) == [
            "image", "conv2d", "batch_normalization", "activation", "conv2d_1", "conv2d_2", "shared", "add",
            "concatenate", "max_pooling2d", "global_average_pooling2d", "dense",
        ])
        #expect(model.namedParameters.map(\.path).prefix(3) == ["layers/1/kernel", "layers/2/gamma", "layers/2/beta"])
        // The shared layer's variables appear once.
        #expect(model.namedParameters.filter { $0.path.hasPrefix("layers/6/") }.count == 2)
        let unnamed = try BranchAndSkip().functional(inputShape: [6, 6, 3])
        #expect(unnamed.name == "functional")
        #expect(unnamed.children.first?.layer.name == "input_layer")
        // tf-keras names a Functional model's variables without the model's scope.
        #expect(model.kerasVariableNames.map(\.name).prefix(3) == ["conv2d/kernel:0", "batch_normalization/gamma:0", "batch_normalization/beta:0"])
    }

    @Test func trainsEvaluatesAndPredicts() throws {
        let model = try BranchAndSkip().functional(inputShape: [6, 6, 3])
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy())
        let before = try #require(try model.evaluate(x: Self.x, y: Self.labels, batchSize: 2)["loss"])
        for _ in 0..<5 { _ = try model.trainStep(Self.x, Self.labels) }
        let after = try #require(try model.evaluate(x: Self.x, y: Self.labels, batchSize: 2)["loss"])
        #expect(after < before)
        #expect(try model.predict(Self.x, batchSize: 1).shape == [2, 3])
    }

    @Test func reproducesKeras3Fixture() throws {
        let model = try functionalFixtureModel()
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy())
        try model.loadWeights(from: Keras3Fixtures.path("functional.weights.h5"))
        #expect(model.optimizer?.iterations == 2)
        let x = try NPY.read(Keras3Fixtures.path("functional.input.npy"))
        let expected = try NPY.read(Keras3Fixtures.path("functional.expected.npy"))
        let y = try model.predict(x, batchSize: 4)
        #expect(y.shape == expected.shape)
        let difference = maxAbsDifference(y.scalars, expected.scalars)
        #expect(difference < 1e-5, "max difference \(difference)")
        // Written back, the file has Keras 3's groups and shapes.
        let ours = try KerasWeightsFile.encode(model, file: "functional.weights.h5")
        #expect(try hdf5Listing(ours) == hdf5Listing(readWholeFile(Keras3Fixtures.path("functional.weights.h5"))))
    }

    @Test func checkpointsRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let source = try functionalFixtureModel()
        source.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let x = try NPY.read(Keras3Fixtures.path("functional.input.npy"))
        _ = try source.trainStep(x, try Tensor(shape: [4], scalars: [0, 1, 2, 0]))
        for file in ["f.ckpt", "f.safetensors", "f.weights.h5"] {
            try source.saveWeights(to: "\(directory)/\(file)")
            let copy = try functionalFixtureModel()
            try copy.loadWeights(from: "\(directory)/\(file)")
            #expect(try copy.predict(x, batchSize: 4).scalars == source.predict(x, batchSize: 4).scalars, "\(file)")
        }
        let names = source.kerasVariableNames.map(\.name)
        #expect(names.contains("shared/kernel:0"))
        #expect(Set(names).count == names.count)
    }

    @Test func exportsToONNXWithASharedLayer() throws {
        let model = try functionalFixtureModel()
        let onnx = try model.onnxModel()
        let ops = onnx.graph.node.map(\.opType)
        #expect(ops.filter { $0 == "Conv" }.count == 5)
        // Keras's Add of three tensors is ONNX's Sum (ONNX's Add takes two).
        #expect(ops.contains("Sum") && ops.contains("Concat") && !ops.contains("Add"))
        let sum = try #require(onnx.graph.node.first { $0.opType == "Sum" })
        #expect(sum.input.count == 3)
    }

    @Test func summaryShowsConnections() throws {
        let model = try functionalFixtureModel()
        let text = model.summary()
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "Model: \"functional_fixture\"")
        #expect(lines[2].hasPrefix(" Layer (type)") && lines[2].hasSuffix("Connected to"))
        #expect(lines.contains { $0.hasPrefix(" image (InputLayer)") && $0.contains("(None, 8, 8, 3)") && $0.hasSuffix("-") })
        let add = try #require(lines.firstIndex { $0.hasPrefix(" add (Add)") })
        #expect(lines[add].hasSuffix("shared[0][0]"))
        #expect(lines[add + 1].trimmingCharacters(in: .whitespaces) == "shared[1][0]")
        #expect(lines[add + 2].trimmingCharacters(in: .whitespaces) == "activation[0][0]")
        #expect(lines.contains { $0.hasPrefix(" shared (Conv2D)") && $0.hasSuffix("conv2d_1[0][0]") })
        #expect(text.contains("Total params: \(model.parameterCount) "))
        #expect(lines.allSatisfy { $0.count <= 108 })
    }

    @Test func wrongShapeNamesTheLayer() throws {
        let inputs = Input(shape: [8])
        let error = #expect(throws: SwiftCNNError.self) { _ = try Conv2D(4, kernelSize: 3)(inputs) }
        let message = error?.message ?? ""
        #expect(message.hasPrefix("conv2d (Conv2D): cannot be called on (None, 8)"), "\(message)")
        #expect(!message.contains("\n"))
    }

    @Test func addOfMismatchedShapesThrows() throws {
        let a = Input(shape: [4, 4, 2])
        let b = try Conv2D(3, kernelSize: 1)(a)
        let error = #expect(throws: SwiftCNNError.self) { _ = try Add()([a, b]) }
        #expect(error?.message.hasPrefix("add (Add): cannot be called on (None, 4, 4, 2), (None, 4, 4, 3)") == true, "\(error?.message ?? "")")
        let concat = #expect(throws: SwiftCNNError.self) { _ = try Concatenate()([a, try Flatten()(a)]) }
        #expect(concat?.message.hasPrefix("concatenate (Concatenate):") == true)
    }

    @Test func outputNotReachableFromInputsThrows() throws {
        let a = Input(shape: [4], name: "a")
        let b = Input(shape: [4], name: "b")
        let y = try Add()([try Dense(4)(a), b])
        let error = #expect(throws: SwiftCNNError.self) { _ = try Model(inputs: a, outputs: y) }
        #expect(error?.message.contains("not reachable from the inputs") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("Input 'b'") == true)
        // With both inputs it runs, on a list.
        let model = try Model(inputs: [a, b], outputs: [y])
        let ones = Tensor.zeros([2, 4]).adding(Tensor.zeros([2, 4]))
        #expect(try model([ones, ones])[0].shape == [2, 4])
        #expect(throws: SwiftCNNError.self) { _ = try model(ones) }
    }

    @Test func mergeLayersRefuseOneTensor() throws {
        let error = #expect(throws: SwiftCNNError.self) { _ = try Add()(Tensor.zeros([1, 2])) }
        #expect(error?.message.contains("takes a list of tensors") == true)
        #expect(throws: SwiftCNNError.self) { _ = try Concatenate()(Tensor.zeros([1, 2])) }
        #expect(try Concatenate()([Tensor.zeros([1, 2]), Tensor.zeros([1, 3])]).shape == [1, 5])
    }

    @Test func wrongInputShapeAtRunTimeNamesTheInput() throws {
        let model = try functionalFixtureModel()
        let error = #expect(throws: SwiftCNNError.self) { _ = try model(Tensor.zeros([1, 4, 4, 3])) }
        #expect(error?.message.hasPrefix("image (InputLayer): expected input of shape (None, 8, 8, 3)") == true, "\(error?.message ?? "")")
    }
}

@Suite struct FunctionalReadmeAndAnalysisTests {
    /// The README's Functional example, kept compiling.
    @Test func readmeExample() throws {
        let inputs = Input(shape: [32, 32, 3])
        let x = try Activation(.relu)(BatchNormalization()(Conv2D(16, kernelSize: 3, padding: .same)(inputs)))
        let y = try Add()([x, try Conv2D(16, kernelSize: 3, padding: .same)(x)])
        let graph = try Model(inputs: inputs, outputs: try Dense(10, activation: .softmax)(GlobalAveragePooling2D()(y)))
        #expect(try graph(Tensor.zeros([2, 32, 32, 3])).shape == [2, 10])
        #expect(graph.namedParameters.first?.path == "layers/1/kernel")
    }

    /// The analysis follows the graph: both calls of the shared layer, the branches'
    /// fields merged at Add and Concatenate.
    @Test func analysisFollowsTheGraph() throws {
        let model = try functionalFixtureModel()
        let rows = try model.analysis()
        #expect(rows.map(\.name) == [
            "conv2d", "batch_normalization", "activation", "conv2d_1", "shared", "conv2d_2", "shared",
            "max_pooling2d", "global_average_pooling2d", "dense",
        ])
        #expect(rows[4].receptiveField == Size2D(3) && rows[6].receptiveField == Size2D(5))
        #expect(rows[7].receptiveField == Size2D(6))
        #expect(rows[4].path == "layers/6" && rows[6].path == "layers/6")
        #expect(try model.weightedDepth() == 4)
        #expect(try model.detailedSummary().contains("Total FLOPs per image"))
    }
}
