import Testing

// Deliberately not @testable: the README's custom-layer program must compile against the
// public API alone.
import SwiftCNN

/// The README's example, verbatim: a layer made with `addWeight` and ops, a tape, and
/// `applyGradients`.
final class Scale: Layer {
    var gamma: Parameter?
    override func call(_ x: Tensor, training: Bool) throws -> Tensor {
        let g = try gamma ?? addWeight(name: "gamma", shape: [x.shape[x.rank - 1]], initializer: .ones)
        gamma = g
        return try x * g
    }
}

@Suite struct CustomLayerExampleTests {
    func data() throws -> (x: Tensor, y: Tensor) {
        var random = RandomGenerator(seed: 3)
        // Class 1 images are brighter in their first channel, so the classes can be learned.
        let x = try Tensor(
            shape: [8, 6, 6, 3],
            scalars: (0..<(8 * 6 * 6 * 3)).map { i in random.nextUniform() + (i / 108 % 2 == 1 && i % 3 == 0 ? 1 : 0) })
        let y = try Tensor(shape: [8], scalars: (0..<8).map { Float($0 % 2) })
        return (x, y)
    }

    func exampleModel() -> Sequential {
        let model = Sequential {
            Conv2D(8, kernelSize: 3, padding: .same)
            Scale()
            Activation(.relu)
            GlobalAveragePooling2D()
            Dense(2, activation: .softmax)
        }
        model.seed = 5
        return model
    }

    @Test func theReadmeProgramTrains() throws {
        let (x, y) = try data()
        let model = exampleModel()
        let optimizer = Adam(learningRate: 0.01)
        let lossFunction = SparseCategoricalCrossentropy()
        var losses: [Float] = []
        for _ in 0..<30 {
            let tape = GradientTape()
            let loss = try tape.record { try lossFunction(y, model(x, training: true)) }
            let grads = try tape.gradient(loss, model.trainableVariables)
            try optimizer.applyGradients(zip(grads, model.trainableVariables))
            losses.append(loss.scalar)
        }
        #expect(losses.last! < losses.first! * 0.8, "loss \(losses.first!) → \(losses.last!)")
        // The custom variable is a variable like any other: named by its layer, trained.
        let paths = model.namedParameters.map(\.path)
        #expect(paths.contains("1/gamma"))
        let gamma = try #require(model.namedParameters.first { $0.path == "1/gamma" }?.parameter)
        #expect(gamma.value.scalars != [1, 1, 1, 1, 1, 1, 1, 1])
        #expect(model.trainableVariables.count == 5)
    }

    @Test func tapeGradientsMatchFiniteDifferences() throws {
        let (x, y) = try data()
        let model = exampleModel()
        let lossFunction = SparseCategoricalCrossentropy()
        _ = try model(x)
        let gamma = try #require(model.namedParameters.first { $0.path == "1/gamma" }?.parameter)
        let tape = GradientTape()
        let loss = try tape.record { try lossFunction(y, model(x, training: true)) }
        let gradient = try #require(try tape.gradient(loss, gamma))
        #expect(gamma.gradient == nil, "the tape leaves Parameter.gradient alone")
        let original = gamma.value
        for i in 0..<gamma.count {
            var scalars = original.scalars
            let h: Float = 1e-2
            scalars[i] += h
            gamma.value = try Tensor(shape: original.shape, scalars: scalars)
            let up = try lossFunction(y, model(x)).scalar
            scalars[i] -= 2 * h
            gamma.value = try Tensor(shape: original.shape, scalars: scalars)
            let down = try lossFunction(y, model(x)).scalar
            let numeric = (up - down) / (2 * h)
            #expect(Swift.abs(numeric - gradient.scalars[i]) <= 1e-3 + 1e-2 * Swift.abs(numeric), "gamma[\(i)]: \(numeric) vs \(gradient.scalars[i])")
        }
        gamma.value = original
    }

    @Test func fitTrainsTheCustomLayerToo() throws {
        let (x, y) = try data()
        let model = exampleModel()
        model.compile(optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy())
        _ = try model(x)
        let gamma = try #require(model.namedParameters.first { $0.path == "1/gamma" }?.parameter)
        let before = gamma.value.scalars
        try model.fit(x: x, y: y, batchSize: 4, epochs: 2, verbose: false)
        #expect(gamma.value.scalars != before)
    }

    @Test func watchedTensorsAndUnconnectedSources() throws {
        let x = try Tensor(shape: [3], scalars: [1, 2, 3])
        let unused = Parameter(name: "unused", value: try Tensor(shape: [1], scalars: [1]))
        let tape = GradientTape()
        let watched = tape.watch(x)
        let y = try tape.record { try sum(square(watched)) }
        let grads = try tape.gradient(y, [watched])
        #expect(grads[0]?.scalars == [2, 4, 6])
        #expect(throws: SwiftCNNError.self) { try tape.gradient(y, [unused]) }
        let second = GradientTape()
        let z = try second.record { try sum(second.watch(x) * 2) }
        #expect(try second.gradient(z, unused) == nil)
    }
}
