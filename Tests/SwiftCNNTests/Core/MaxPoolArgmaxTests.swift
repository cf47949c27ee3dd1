import CSwiftCNNSupport
import Testing

@testable import SwiftCNN

/// Training's max pooling writes each output's maximum and where it was (the flat input
/// index backward scatters to), on its three paths (fewer than 16 channels, multiples of 16,
/// others): TensorFlow's answer, the first position in scan order winning a tie and padding
/// never winning.
@Suite struct MaxPoolArgmaxTests {
    @Test(arguments: [8, 16, 32, 20])
    func maximaAndTheirPlacesMatchTheScan(_ channels: Int) {
        for (size, kernel, stride, same) in [(9, 3, 1, true), (10, 2, 2, false), (13, 3, 2, true), (6, 3, 1, false)] {
            let images = 2
            let window = Window2D(height: size, width: size + 1, window: (kernel, kernel), strides: (stride, stride), padding: same ? .same : .valid)
            let s = swiftcnn_conv_shape(
                height: size, width: size + 1, channels: channels, kernelHeight: kernel, kernelWidth: kernel, filters: channels,
                strideHeight: stride, strideWidth: stride, padTop: window.rows.padBefore, padLeft: window.cols.padBefore,
                outputHeight: window.rows.output, outputWidth: window.cols.output)
            // Few distinct values: many ties.
            let x = (0..<(images * size * (size + 1) * channels)).map { Float(($0 * 7919) % 23) }
            let outputs = images * s.outputHeight * s.outputWidth * channels
            var y = [Float](repeating: .nan, count: outputs)
            var at = [Int32](repeating: -1, count: outputs)
            swiftcnn_maxpool_forward(x, &y, &at, 0, images, s)
            var wrong = 0
            for n in 0..<images {
                for oy in 0..<s.outputHeight {
                    for ox in 0..<s.outputWidth {
                        for k in 0..<channels {
                            var best = -Float.infinity
                            var place = -1
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let (iy, ix) = (oy * stride - s.padTop + ky, ox * stride - s.padLeft + kx)
                                    guard iy >= 0, iy < size, ix >= 0, ix < size + 1 else { continue }
                                    let i = ((n * size + iy) * (size + 1) + ix) * channels + k
                                    if x[i] > best { (best, place) = (x[i], i) }
                                }
                            }
                            let o = ((n * s.outputHeight + oy) * s.outputWidth + ox) * channels + k
                            if y[o] != best || Int(at[o]) != place { wrong += 1 }
                        }
                    }
                }
            }
            #expect(wrong == 0, "\(channels) channels, \(size)×\(size + 1), \(kernel)×\(kernel) stride \(stride) \(same ? "same" : "valid")")
        }
    }
}
