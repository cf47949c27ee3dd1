import Testing

@testable import SwiftCNN

/// `predict` and `evaluate` run a memory-bound network's large batches in chunks that stay
/// in cache (``InferenceChunks``): Inception10 only among the six, in equal chunks, with
/// the numbers of the whole batch.
@Suite struct InferenceChunksTests {
    @Test func onlyTheMemoryBoundNetworkIsChunked() throws {
        var chunked: [String: Int] = [:]
        for entry in ModelZoo.all {
            let model = entry.make()
            try model.build(inputShape: [32, 32, 3])
            if let images = model.inferenceChunks.images, images < 256 { chunked[entry.name] = images }
        }
        // 327,818 activation floats an image: 16M floats / 327,818 = 51 → 48.
        #expect(chunked == ["inception10": 48], "\(chunked)")
    }

    @Test func aBatchSplitsIntoEqualChunks() {
        let chunks = InferenceChunks(flopsPerImage: 75 * 1000, activationFloatsPerImage: 1000)
        #expect(chunks.images != nil)
        let memoryBound = InferenceChunks(flopsPerImage: 75 * 327_818, activationFloatsPerImage: 327_818)
        #expect(memoryBound.images == 48)
        #expect(memoryBound.batch(for: 256) == 43)  // six chunks of 43 or 42, not five of 48 and one of 16
        #expect(memoryBound.batch(for: 48) == 48)
        #expect(memoryBound.batch(for: 32) == 32)
        #expect(memoryBound.batch(for: 97) == 33)
        let heavy = InferenceChunks(flopsPerImage: 622 * 1_786_378, activationFloatsPerImage: 1_786_378)
        #expect(heavy.images == nil)
        #expect(heavy.batch(for: 256) == 256)
    }

    @Test func chunkedPredictAndEvaluateEqualTheWholeBatch() throws {
        let model = try ModelZoo.entry(named: "inception10").make()
        model.seed = 5
        try model.build(inputShape: [32, 32, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        let x = try InferenceFusionTests.random([64, 32, 32, 3], seed: 9)
        let y = try Tensor(shape: [64], scalars: (0..<64).map { Float($0 % 10) })
        try model.trainStep(x.slice(batch: 0..<8), y.slice(batch: 0..<8))
        #expect(model.inferenceChunks.batch(for: 64) == 32)
        let chunked = try model.predict(x, batchSize: 64)
        let whole = try model(x, training: false)
        let deviation = maxAbsDifference(chunked.scalars, whole.scalars)
        #expect(chunked.shape == whole.shape)
        #expect(deviation <= 1e-5, "\(deviation)")
        let evaluated = try model.evaluate(x: x, y: y, batchSize: 64)
        let byEight = try model.evaluate(x: x, y: y, batchSize: 8)
        #expect(abs((evaluated["loss"] ?? .nan) - (byEight["loss"] ?? .nan)) < 1e-5, "\(evaluated) \(byEight)")
        #expect(evaluated["accuracy"] == byEight["accuracy"], "\(evaluated) \(byEight)")
    }
}
