import Testing

@testable import SwiftCNN

/// A batch smaller than the thread pool (one image, as `predict photo.jpg`) takes another
/// route through the convolution: im2col once per image with the threads splitting the
/// filters, and im2col instead of Winograd on small maps. Each image's output must be what
/// the batch route (threads over images) gives for it.
@Suite struct ConvolutionBatchOfOneTests {
    struct Case: CustomStringConvertible {
        let size, kernel, channels, filters: Int
        let padding: Padding
        var description: String { "\(size)×\(size)×\(channels)→\(filters) k\(kernel) \(padding)" }
    }

    static let cases = [
        Case(size: 8, kernel: 3, channels: 32, filters: 40, padding: .same),  // Winograd's in a batch
        Case(size: 4, kernel: 3, channels: 24, filters: 70, padding: .same),  // filters not a multiple of 16
        Case(size: 6, kernel: 1, channels: 24, filters: 50, padding: .valid),  // pointwise
        Case(size: 9, kernel: 5, channels: 8, filters: 33, padding: .valid),
    ]

    @Test(arguments: cases) func eachImageMatchesTheBatchRoute(_ test: Case) throws {
        var random = RandomGenerator(seed: 11)
        let images = max(3, ThreadPool.shared.parts + 1)
        func tensor(_ shape: [Int]) throws -> Tensor {
            try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() * 2 - 1 })
        }
        let x = try tensor([images, test.size, test.size, test.channels])
        let kernel = try tensor([test.kernel, test.kernel, test.channels, test.filters])
        let bias = try tensor([test.filters])
        let batch = try conv2d(x, kernel, bias: bias, padding: test.padding)
        let per = batch.count / images
        for i in 0..<images {
            let one = try conv2d(x.slice(batch: i..<(i + 1)), kernel, bias: bias, padding: test.padding)
            let expected = Array(batch.scalars[(i * per)..<((i + 1) * per)])
            let deviation = maxAbsDifference(one.scalars, expected)
            #expect(one.scalars.count == per && deviation < 1e-4, "image \(i): \(deviation)")
        }
    }
}
