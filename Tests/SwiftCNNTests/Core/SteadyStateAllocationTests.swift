import Testing

@testable import SwiftCNN

/// Guards the allocation-free steady state: once the first steps have filled a model's
/// `TensorArena`, further identical steps must reuse its tensor storages and autograd nodes
/// rather than make new ones (`swiftcnn bench --count-allocations` measures the heap itself).
@Suite struct SteadyStateAllocationTests {
    /// A small model with every kind of op a step records: convolution, batch norm in both
    /// modes, activations, both poolings, dropout, residual sum, concatenation, dense
    /// layers with a regularizer, softmax and its cross-entropy.
    func makeModel() throws -> (Model, Tensor, Tensor) {
        let model = Sequential {
            CBAPD(4, kernelSize: 3)
            ResnetBlock(6, strides: 1, residualPath: true)
            InceptionBlk(2)
            AveragePooling2D(poolSize: 2)
            Flatten()
            Dense(8, activation: .tanh, kernelRegularizer: .l2())
            Dense(3, activation: .softmax)
        }
        model.seed = 3
        try model.build(inputShape: [8, 8, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        var random = RandomGenerator(seed: 5)
        let x = try Tensor(shape: [4, 8, 8, 3], scalars: (0..<(4 * 8 * 8 * 3)).map { _ in random.nextUniform() })
        let y = try Tensor(shape: [4], scalars: [0, 1, 2, 1])
        return (model, x, y)
    }

    @Test func trainingStepsReuseStoragesAndNodes() throws {
        let (model, x, y) = try makeModel()
        for _ in 0..<3 { try model.trainStep(x, y) }
        let (storages, nodes) = (model.arena.storagesCreated, model.arena.nodesCreated)
        #expect(storages > 0 && nodes > 0)
        for _ in 0..<2 { try model.trainStep(x, y) }
        #expect(model.arena.storagesCreated == storages)
        #expect(model.arena.nodesCreated == nodes)
    }

    @Test func predictionsReuseStorages() throws {
        let (model, x, _) = try makeModel()
        for _ in 0..<2 { _ = try model.predict(x, batchSize: 2) }
        let storages = model.arena.storagesCreated
        for _ in 0..<2 { _ = try model.predict(x, batchSize: 2) }
        #expect(model.arena.storagesCreated == storages)
        #expect(model.arena.nodesCreated == 0)
    }

    /// Inference lets a smaller output take a free larger storage (the first layers' big
    /// buffers serve the later ones): the results are those of a plain forward pass, and
    /// the arena makes fewer storages than a training step of the same model.
    @Test func predictionsTakeLargerFreeStorages() throws {
        let (model, x, _) = try makeModel()
        let expected = try model(x, training: false).scalars
        // Two calls to reach the steady state: with fused inference a batch norm passes
        // its convolution's output through, and the best-fit reuse of the first call's
        // free buffers settles on the second (15 storages, then 16, then 16 for good).
        _ = try model.predict(x)
        _ = try model.predict(x)
        let afterOne = model.arena.storagesCreated
        let predicted = try model.predict(x)
        #expect(predicted.scalars == expected)
        #expect(predicted.count == predicted.shape.reduce(1, *))
        #expect(model.arena.storagesCreated == afterOne)

        let (training, tx, ty) = try makeModel()
        _ = try training.arena.run { try training(tx, training: false) }
        #expect(afterOne < training.arena.storagesCreated)
        _ = ty
    }

    /// Recycling must never hand out a storage the caller still holds.
    @Test func keptResultsAreNotOverwritten() throws {
        let (model, x, y) = try makeModel()
        let kept = try model.predict(x)
        let values = kept.scalars
        for _ in 0..<3 {
            try model.trainStep(x, y)
            _ = try model.predict(x)
        }
        #expect(kept.scalars == values)
        #expect(try model.predict(x).scalars != values)
    }

    /// A graph serves one backward pass, which releases what its ops saved.
    @Test func secondBackwardThroughTheSameGraphThrows() throws {
        let layer = Dense(2)
        let input = try Tensor(shape: [1, 3], scalars: [1, 2, 3]).trackingGradient()
        let output = try layer(input, training: true)
        try output.backward(seed: Tensor(shape: [1, 2], repeating: 1))
        #expect(throws: SwiftCNNError.self) { try output.backward(seed: Tensor(shape: [1, 2], repeating: 1)) }
    }
}
