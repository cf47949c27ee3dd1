import CSwiftCNNSupport
import Testing

@testable import SwiftCNN

/// The C max-pooling kernel against a plain loop: values, and the argmax the backward
/// scatter uses (ties to the first position in scan order, padding never wins).
@Suite struct MaxPoolingOracleTests {
    static let cases: [(size: (Int, Int), channels: Int, pool: Int, stride: Int, padding: Padding)] = [
        ((32, 32), 6, 2, 2, .valid),  // Baseline
        ((7, 5), 16, 3, 1, .same),  // Inception's 3×3 stride-1 pooling, odd sizes
        ((9, 8), 20, 3, 2, .same),  // AlexNet's overlapping windows
        ((5, 5), 3, 2, 2, .same),  // odd size: the last window is clipped
        ((8, 6), 32, 2, 2, .valid),  // two 16-channel blocks (VGG's and AlexNet's layers)
        ((6, 7), 48, 3, 1, .same),  // three blocks, clipped windows on every side
    ]

    @Test(arguments: 0..<cases.count)
    func matchesThePlainLoop(_ index: Int) throws {
        let test = Self.cases[index]
        let images = 3
        let (h, w, c) = (test.size.0, test.size.1, test.channels)
        var random = RandomGenerator(seed: UInt64(index + 11))
        // Values on a coarse grid, so windows hold ties.
        let x = (0..<(images * h * w * c)).map { _ in Float(Int(random.nextUniform() * 5)) - 2 }
        let window = Window2D(height: h, width: w, window: (test.pool, test.pool), strides: (test.stride, test.stride), padding: test.padding)
        let outputs = images * window.rows.output * window.cols.output * c
        var expected = [Float](repeating: 0, count: outputs)
        var expectedIndex = [Int32](repeating: -1, count: outputs)
        var o = 0
        for n in 0..<images {
            for oy in 0..<window.rows.output {
                for ox in 0..<window.cols.output {
                    for k in 0..<c {
                        var best = -Float.infinity
                        var at = -1
                        for y in window.rows.covered(oy) {
                            for xx in window.cols.covered(ox) {
                                let i = ((n * h + y) * w + xx) * c + k
                                if x[i] > best { (best, at) = (x[i], i) }
                            }
                        }
                        expected[o] = best
                        expectedIndex[o] = Int32(at)
                        o += 1
                    }
                }
            }
        }
        var output = [Float](repeating: .nan, count: outputs)
        var argmax = [Int32](repeating: -1, count: outputs)
        let shape = poolingShape(window, channels: c)
        swiftcnn_maxpool_forward(x, &output, &argmax, 0, 1, shape)
        swiftcnn_maxpool_forward(x, &output, &argmax, 1, images - 1, shape)
        #expect(output == expected)
        #expect(argmax == expectedIndex)
        var withoutIndices = [Float](repeating: .nan, count: outputs)
        var columns = [Float](repeating: .nan, count: w * c)
        swiftcnn_maxpool_forward_values(x, &withoutIndices, 0, images, shape, &columns)
        #expect(withoutIndices == expected)
    }
}
