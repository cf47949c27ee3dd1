import Testing

@testable import SwiftCNN

/// `predict` runs each Conv2D → BatchNormalization (→ ReLU) (→ MaxPooling2D) chain, and
/// each Conv2D with its own activation → MaxPooling2D, as one step (``InferenceFusion``); its outputs must be those of the layers run one by one, for each
/// of the six networks, after training has moved the statistics, and a chain whose
/// intermediate value has another reader must not be fused.
@Suite struct InferenceFusionTests {
    static func random(_ shape: [Int], seed: UInt64) throws -> Tensor {
        var random = RandomGenerator(seed: seed)
        return try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() })
    }

    /// `model` built for RGB images of `imageSize`, after one training step on three random
    /// ones (so the moving statistics are no longer 0 and 1), with its fusion plan for them.
    static func trainedOnce(_ model: Sequential, seed: UInt64, imageSize: Int, inputSeed: UInt64, labels: [Float]) throws
        -> (x: Tensor, plan: InferenceFusion)
    {
        model.seed = seed
        try model.build(inputShape: [imageSize, imageSize, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let x = try random([labels.count, imageSize, imageSize, 3], seed: inputSeed)
        try model.trainStep(x, try Tensor(shape: [labels.count], scalars: labels))
        return (x, try #require(model.fusionPlan(for: x)))
    }

    /// Chains found: one per convolution followed by batch norm, or by max pooling alone
    /// (LeNet5's two sigmoid convolutions, AlexNet8's last).
    static let chains = ["baseline": 1, "lenet5": 2, "alexnet8": 3, "vgg16": 13, "inception10": 25, "resnet18": 20]

    @Test(arguments: ModelZoo.all.map(\.name)) func predictMatchesTheLayersOneByOne(_ name: String) throws {
        let model = try ModelZoo.entry(named: name).make()
        model.seed = 3
        try model.build(inputShape: [32, 32, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        // A few steps so the moving statistics are no longer 0 and 1.
        let x = try Self.random([2, 32, 32, 3], seed: 5)
        try model.trainStep(x, try Tensor(shape: [2], scalars: [1, 7]))
        let plan = try #require(model.fusionPlan(for: x))
        #expect(plan.count == Self.chains[name], "\(name): \(plan.count) chains")
        let fused = try model.predict(x, batchSize: 2)
        let reference = try model(x, training: false)
        let scale = reference.scalars.map(abs).max() ?? 1
        let deviation = maxAbsDifference(fused.scalars, reference.scalars)
        #expect(deviation <= 1e-5 * max(scale, 1), "\(name): \(deviation)")
        // Batch 1 takes other convolution routes; still the same numbers.
        let one = try model.predict(x.slice(batch: 0..<1), batchSize: 1)
        let first = Array(reference.scalars.prefix(one.count))
        #expect(maxAbsDifference(one.scalars, first) <= 1e-5 * max(scale, 1), "\(name) at batch 1")
    }

    /// A batch norm whose input is also read elsewhere computes on its own, and the other
    /// reader sees the convolution's raw output.
    @Test func aSharedIntermediateIsNotFused() throws {
        let input = Input(shape: [8, 8, 3])
        let conv = Conv2D(4, kernelSize: 3, padding: .same)
        let raw = try conv(input)
        let normalized = try Activation(.relu)(try BatchNormalization()(raw))
        let model = try Model(inputs: input, outputs: try Concatenate()([normalized, raw]))
        model.seed = 1
        try model.build(inputShape: [8, 8, 3])
        model.compile(optimizer: Adam(), loss: MeanSquaredError())
        let x = try Self.random([2, 8, 8, 3], seed: 9)
        try model.trainStep(x, try Self.random([2, 8, 8, 8], seed: 2))
        #expect(model.fusionPlan(for: x)?.count == 0)
        let fused = try model.predict(x, batchSize: 2)
        #expect(fused.scalars == (try model(x, training: false)).scalars)
    }

    /// Max pooling after a chain is done with the convolution image by image on the row,
    /// direct and (with a batch of at least one image a thread) im2col routes ('same' and
    /// 'valid' pools, a convolution's own activation), and by the layers one by one at batch
    /// 1 after im2col; the numbers are the layers' either way.
    @Test func poolingAfterAChainIsFused() throws {
        let model = Sequential(layers: [
            Conv2D(6, kernelSize: 5, padding: .same), BatchNormalization(), Activation(.relu),
            MaxPool2D(poolSize: 3, strides: 2, padding: .same),
            Conv2D(12, kernelSize: 3, activation: .tanh), MaxPool2D(poolSize: 2),
            Conv2D(40, kernelSize: 2, activation: .sigmoid), MaxPool2D(poolSize: 2, padding: .same),
            Flatten(), Dense(3),
        ])
        let (x, plan) = try Self.trainedOnce(model, seed: 2, imageSize: 19, inputSeed: 4, labels: [0, 2, 1])
        let convs = model.layers.compactMap { $0 as? Conv2D }
        #expect(convs.allSatisfy { plan.chain(startingAt: $0)?.pool != nil })
        let fused = try model.predict(x, batchSize: 3)
        let reference = try model(x, training: false)
        #expect(maxAbsDifference(fused.scalars, reference.scalars) < 1e-5)
        let one = try model.predict(x.slice(batch: 2..<3), batchSize: 1)
        #expect(maxAbsDifference(one.scalars, reference.scalars.suffix(3)) < 1e-5)
    }

    /// A stride-1 `same` max pooling read only by a convolution is left to it: pooled image by
    /// image into cache before a direct-kernel chain, pooled whole first before an im2col one
    /// (and before a convolution that starts no chain); a pooling after a chain stays the
    /// chain's. Inception10's branch poolings are the first kind.
    @Test func poolingBeforeAConvolutionIsDeferredToIt() throws {
        let model = Sequential(layers: [
            Conv2D(8, kernelSize: 3, padding: .same), Activation(.relu),
            MaxPool2D(poolSize: 3, strides: 1, padding: .same),
            Conv2D(16, kernelSize: 1, strides: 2, padding: .same), BatchNormalization(), Activation(.relu),
            MaxPool2D(poolSize: 3, strides: 1, padding: .same),
            Conv2D(5, kernelSize: 3, activation: .relu), Activation(.tanh),
            MaxPool2D(poolSize: 3, strides: 1, padding: .same),
            Conv2D(40, kernelSize: 1), BatchNormalization(),
            Flatten(), Dense(3),
        ])
        let (x, plan) = try Self.trainedOnce(model, seed: 5, imageSize: 14, inputSeed: 8, labels: [2, 0, 1])
        #expect(plan.deferredCount == 2)
        #expect(plan.count == 2)
        let fused = try model.predict(x, batchSize: 3)
        let reference = try model(x, training: false)
        #expect(maxAbsDifference(fused.scalars, reference.scalars) < 1e-5)
        let one = try model.predict(x.slice(batch: 1..<2), batchSize: 1)
        #expect(maxAbsDifference(one.scalars, reference.scalars[3..<6]) < 1e-5)
    }

    /// Fused and plain agree after the weights change (nothing is cached but the chains).
    @Test func moreTrainingIsSeenAtOnce() throws {
        let model = Baseline()
        model.seed = 4
        try model.build(inputShape: [32, 32, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let x = try Self.random([2, 32, 32, 3], seed: 6)
        let before = try model.predict(x, batchSize: 2)
        try model.trainStep(x, try Tensor(shape: [2], scalars: [0, 1]))
        let after = try model.predict(x, batchSize: 2)
        #expect(after.scalars != before.scalars)
        let reference = try model(x, training: false)
        #expect(maxAbsDifference(after.scalars, reference.scalars) < 1e-5)
    }
}
