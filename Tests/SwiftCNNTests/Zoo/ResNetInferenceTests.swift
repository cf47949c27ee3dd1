import Testing

@testable import SwiftCNN

/// ResNet18's inference path (the blocks called one by one, each block's sum and last ReLU
/// written into its second batch norm's output) against the layer-by-layer path it takes
/// while a gradient tape records, with moving statistics away from 0 and 1, with and
/// without fusion, at a stride-2 block (1×1 shortcut) and an identity one.
@Suite struct ResNetInferenceTests {
    @Test func theInPlaceInferencePathMatchesTheLayers() throws {
        let model = ResNet18(blockList: [1, 1], initialFilters: 8)
        model.seed = 2
        try model.build(inputShape: [16, 16, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        var random = RandomGenerator(seed: 9)
        let x = try Tensor(shape: [3, 16, 16, 3], scalars: (0..<(3 * 16 * 16 * 3)).map { _ in random.nextUniform() * 2 - 1 })
        for _ in 0..<2 { try model.trainStep(x, try Tensor(shape: [3], scalars: [1, 4, 7])) }
        let reference = try GradientTape.recording { try model(x, training: false) }
        let plain = try model(x, training: false)
        let predicted = try model.predict(x, batchSize: 3)
        let scale = max(reference.scalars.map(abs).max() ?? 1, 1)
        for (name, output) in [("call", plain), ("predict", predicted)] {
            #expect(output.shape == reference.shape)
            let deviation = maxAbsDifference(output.scalars, reference.scalars)
            #expect(deviation <= 1e-5 * scale, "\(name): \(deviation)")
        }
        // The input is not written to.
        let again = try model.predict(x, batchSize: 3)
        #expect(again.scalars == predicted.scalars)
    }

    /// A block called on its own in inference leaves its input as it was (the sum is
    /// written into the block's own tensor, never into the shortcut).
    @Test func aBlockLeavesItsInputUntouched() throws {
        let block = ResnetBlock(4, strides: 1, residualPath: false)
        var random = RandomGenerator(seed: 4)
        let x = try Tensor(shape: [2, 6, 6, 4], scalars: (0..<(2 * 6 * 6 * 4)).map { _ in random.nextUniform() * 2 - 1 })
        let before = x.scalars
        let y = try block(x, training: false)
        #expect(x.scalars == before)
        let expected = try GradientTape.recording { try block(x, training: false) }
        #expect(maxAbsDifference(y.scalars, expected.scalars) <= 1e-5)
        #expect(y.scalars.allSatisfy { $0 >= 0 })
    }
}
