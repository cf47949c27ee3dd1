import Testing

@testable import SwiftCNN

@Suite struct ZooTrainingTests {
    static func batch() throws -> (x: Tensor, y: Tensor) {
        let pixels: [Float] = (0..<(2 * 8 * 8 * 3)).map { (i: Int) -> Float in Float((i * 7) % 23) / 23 }
        return (try Tensor(shape: [2, 8, 8, 3], scalars: pixels), try Tensor(shape: [2], scalars: [1, 7]))
    }

    /// The course quirk: ConvBNRelu's BatchNormalization runs in inference mode even while
    /// training, so its moving statistics never move; its gamma/beta and the conv kernels
    /// still learn.
    @Test func inception10BatchNormStatisticsStayPutWhileTraining() throws {
        let model = Inception10()
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let (x, y) = try Self.batch()
        try model.build(inputShape: [8, 8, 3])
        // Inference-mode BN and no dropout: training and inference forward passes agree.
        let inTraining = try model(x, training: true)
        let inInference = try model(x, training: false)
        #expect(inTraining.maxAbsDifference(inInference) < 1e-6)

        let before = model.namedParameters.map { ($0.path, $0.parameter.value.scalars) }
        try model.trainStep(x, y)
        let after = Dictionary(uniqueKeysWithValues: model.namedParameters.map { ($0.path, $0.parameter.value.scalars) })
        var movingStatistics = 0
        for (path, old) in before {
            if path.hasSuffix("moving_mean") || path.hasSuffix("moving_variance") {
                movingStatistics += 1
                #expect(after[path] == old, "\(path) moved")
            }
        }
        #expect(movingStatistics == 2 * (1 + 4 * 6))
        for path in ["c1/model/0/kernel", "c1/model/1/gamma", "blocks/3/c3_2/model/1/beta", "f1/kernel"] {
            #expect(after[path] != before.first { $0.0 == path }?.1, "\(path) did not train")
        }
    }

    /// Contrast: an ordinary BatchNormalization (Baseline's `b1`) does move in training.
    @Test func baselineBatchNormStatisticsMove() throws {
        let model = Baseline()
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let (x, y) = try Self.batch()
        try model.build(inputShape: [8, 8, 3])
        let before = try #require(model.b1.movingMean).value.scalars
        try model.trainStep(x, y)
        #expect(try #require(model.b1.movingMean).value.scalars != before)
    }
}
