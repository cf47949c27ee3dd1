import Foundation
import Testing

@testable import SwiftCNN

@Suite struct CustomPiecesTests {
    @Test func aClosureLossTrainsWithFit() throws {
        var random = RandomGenerator(seed: 1)
        let x = try Tensor(shape: [32, 4], scalars: (0..<128).map { _ in random.nextUniform() })
        // y = sum of the features: a regression the closure's mean absolute error learns.
        let y = try sum(x, axes: [1], keepDims: true)
        let model = Sequential { Dense(1) }
        model.seed = 2
        let mae = CustomLoss(name: "mae") { yTrue, yPred in try mean(abs(yPred - yTrue)) }
        model.compile(optimizer: Adam(learningRate: 0.05), loss: mae)
        let history = try model.fit(x: x, y: y, batchSize: 8, epochs: 20, verbose: false)
        let losses = history.history["loss"] ?? []
        #expect(losses.last! < losses.first! * 0.5, "\(losses)")
    }

    @Test func aLossMustBeAScalar() throws {
        let loss = CustomLoss { _, yPred in yPred }
        #expect(throws: SwiftCNNError.self) { try loss(Tensor.zeros([2]), Tensor.zeros([2])) }
    }

    @Test func metricsAndLossesCanBeCalledOnTheirOwn() throws {
        let yTrue = try Tensor(shape: [2], scalars: [0, 1])
        let yPred = try Tensor(shape: [2, 2], scalars: [0.9, 0.1, 0.8, 0.2])
        let accuracy = SparseCategoricalAccuracy()
        #expect(try accuracy(yTrue, yPred) == 0.5)
        let loss = try SparseCategoricalCrossentropy()(yTrue, yPred)
        #expect(loss.rank == 0)
        #expect(Swift.abs(loss.scalar - (-(logf(0.9) + logf(0.2)) / 2)) < 1e-5)
    }

    /// A custom layer made of ops, trained by a custom loop, makes no new tensor storage or
    /// autograd node per step once warm.
    @Test func aCustomLoopIsAllocationFreeOnceWarm() throws {
        let arena = TensorArena()
        try arena.run {
            var random = RandomGenerator(seed: 3)
            let x = try Tensor(shape: [4, 6, 6, 3], scalars: (0..<432).map { _ in random.nextUniform() })
            let y = try Tensor(shape: [4], scalars: [0, 1, 0, 1])
            let model = Sequential {
                Conv2D(4, kernelSize: 3, padding: .same)
                Scale()
                Activation(.relu)
                GlobalAveragePooling2D()
                Dense(2, activation: .softmax)
            }
            let optimizer = Adam(learningRate: 0.01)
            let lossFunction = SparseCategoricalCrossentropy()
            func step() throws {
                let tape = GradientTape()
                let loss = try tape.record { try lossFunction(y, model(x, training: true)) }
                let grads = try tape.gradient(loss, model.trainableVariables)
                try optimizer.applyGradients(zip(grads, model.trainableVariables))
            }
            for _ in 0..<3 { try step() }
            let (storages, nodes) = (arena.storagesCreated, arena.nodesCreated)
            for _ in 0..<5 { try step() }
            #expect(arena.storagesCreated == storages)
            #expect(arena.nodesCreated == nodes)
        }
    }
}
