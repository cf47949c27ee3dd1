import CSwiftCNNSupport
import Testing

@testable import SwiftCNN

/// The direct convolution kernels have one copy per instruction set, each tiled for its
/// register file (AVX-512 8 pixels of 16 filters, AVX2 6, the generic copy 2), and a CPU
/// runs only its best. `swiftcnn_limit_isa` caps the calling thread, so each copy this CPU
/// can run is checked here against the textbook sums, forward and kernel gradient.
@Suite struct InstructionSetCopiesTests {
    static let shapes: [(filters: Int, kernel: Int, stride: Int, padding: Padding, channels: Int, size: Int)] = [
        (6, 3, 1, .same, 5, 8),  // 8 lanes, 6 filters used
        (16, 5, 1, .valid, 6, 10),  // 16 lanes (LeNet5's second layer): 6 pixels, then 4, a row of 6
        (12, 3, 2, .same, 4, 9),  // 16 lanes, 12 filters used, stride 2
        (16, 3, 1, .same, 16, 13),  // 16 lanes, 13 pixels a row: 6 + 6 + 1 (AVX2), 8 + 4 + 1
        (8, 1, 2, .same, 16, 8),  // 1×1 stride 2, read in place
    ]

    /// The levels this CPU has (0 generic, 1 AVX2, 2 AVX-512).
    static var levels: [Int] {
        let best = ["avx512f": 2, "x86-64-v3": 1][KernelISA.current] ?? 0
        return Array(0...best)
    }

    @Test(arguments: [0, 1, 2])
    func everyCopyMatchesTheReference(_ level: Int) throws {
        guard Self.levels.contains(level) else { return }
        let saved = swiftcnn_limit_isa(Int32(level))
        defer { swiftcnn_limit_isa(saved) }
        var random = RandomGenerator(seed: UInt64(level + 11))
        for config in Self.shapes {
            let images = 2
            let window = Window2D(
                height: config.size, width: config.size, window: (config.kernel, config.kernel),
                strides: (config.stride, config.stride), padding: config.padding)
            let shape = ConvolutionShape(images: images, channels: config.channels, filters: config.filters, window: window)
            let lanes = swiftcnn_conv_direct_lanes(config.filters)
            let label = "level \(level), \(config)"
            let x = (0..<(images * config.size * config.size * config.channels)).map { _ in random.nextUniform() * 2 - 1 }
            let w = (0..<(shape.patch * config.filters)).map { _ in random.nextUniform() * 2 - 1 }
            let b = (0..<config.filters).map { _ in random.nextUniform() }
            var packed = [Float](repeating: .nan, count: shape.packedKernelCount(lanes: lanes))
            w.withUnsafeBufferPointer { kernel in
                packed.withUnsafeMutableBufferPointer {
                    Convolution.pack(kernel.baseAddress!, into: $0.baseAddress!, rows: shape.patch, filters: config.filters, lanes: lanes)
                }
            }
            let scratchCount = swiftcnn_conv_direct_gradient_scratch(shape.cShape, lanes)
            var out = [Float](repeating: .nan, count: images * shape.outputPixels * config.filters)
            var scratch = [Float](repeating: .nan, count: scratchCount)
            swiftcnn_conv_direct_forward(x, packed, b, &out, images, shape.cShape, lanes, &scratch)
            let expected = ConvolutionOracleTests.reference(x, w, b, images: images, shape: shape)
            // NaN (a pixel never written: scratch and output start as NaN) counts as the worst.
            let worst = zip(out, expected).reduce(Float(0)) { worst, pair in
                let error = abs(pair.0 - pair.1)
                return error.isNaN ? .infinity : max(worst, error)
            }
            #expect(worst < 1e-5, "forward, \(label): \(worst)")

            let dy = (0..<out.count).map { _ in random.nextUniform() * 2 - 1 }
            var gradient = [Float](repeating: 0, count: shape.patch * lanes)
            swiftcnn_conv_direct_kernel_gradient(x, dy, &gradient, images, shape.cShape, lanes, &scratch)
            let reference = Self.kernelGradient(x, dy, images: images, shape: shape)
            var gradientWorst: Double = 0
            for r in 0..<shape.patch {
                for o in 0..<lanes {
                    let want = o < config.filters ? reference[r * config.filters + o] : 0
                    let error = abs(Double(gradient[r * lanes + o]) - want)
                    gradientWorst = error.isNaN ? .infinity : max(gradientWorst, error)
                }
            }
            #expect(gradientWorst < 1e-4, "kernel gradient, \(label): \(gradientWorst)")
        }
    }

    /// The few-rows product (batch-1 convolutions of up to 64 output pixels) has a copy per
    /// instruction set too: every row remainder of its tiles (8 rows, then 4, 2, 1 on AVX-512;
    /// 6 on AVX2), column blocks of 32, single vectors and single columns, a column range
    /// that starts past 0 (a thread's share), depths across its 256-row slices, with and
    /// without bias. Columns outside the range stay untouched.
    @Test(arguments: [0, 1, 2])
    func fewRowsProductMatchesTheSums(_ level: Int) {
        guard Self.levels.contains(level) else { return }
        let saved = swiftcnn_limit_isa(Int32(level))
        defer { swiftcnn_limit_isa(saved) }
        var random = RandomGenerator(seed: UInt64(level + 31))
        for (m, k) in [(1, 9), (2, 11), (3, 300), (7, 40), (9, 70), (13, 517), (16, 64), (23, 33)] {
            for (first, end, ldb) in [(0, 80, 80), (16, 53, 70), (5, 6, 9)] {
                for withBias in [false, true] {
                    let a = (0..<(m * k)).map { _ in random.nextUniform() * 2 - 1 }
                    let b = (0..<(k * ldb)).map { _ in random.nextUniform() * 2 - 1 }
                    let bias = (0..<ldb).map { _ in random.nextUniform() }
                    var c = [Float](repeating: .nan, count: m * ldb)
                    bias.withUnsafeBufferPointer { bias in
                        swiftcnn_gemm_few_rows(a, k, b, ldb, withBias ? bias.baseAddress : nil, &c, ldb, m, k, first, end)
                    }
                    var worst = 0.0
                    var untouched = true
                    for i in 0..<m {
                        for j in 0..<ldb {
                            guard (first..<end).contains(j) else {
                                untouched = untouched && c[i * ldb + j].isNaN
                                continue
                            }
                            var sum = withBias ? Double(bias[j]) : 0
                            for p in 0..<k { sum += Double(a[i * k + p]) * Double(b[p * ldb + j]) }
                            let error = abs(Double(c[i * ldb + j]) - sum)
                            worst = error.isNaN ? .infinity : max(worst, error)
                        }
                    }
                    let label = "level \(level), m \(m), k \(k), columns \(first)..<\(end) of \(ldb), bias \(withBias)"
                    #expect(worst < 1e-4, "\(label): \(worst)")
                    #expect(untouched, "\(label): wrote outside its columns")
                }
            }
        }
    }

    /// The cap is the calling thread's, and it puts back what it replaced.
    @Test func theCapIsPerThreadAndRestored() {
        let saved = swiftcnn_limit_isa(0)
        #expect(swiftcnn_conv_rows_lanes() == 4)
        #expect(swiftcnn_limit_isa(saved) == 0)
        #expect(swiftcnn_conv_rows_lanes() == [4, 8, 16][Self.levels.last ?? 0])
    }

    /// dW[ky, kx, c, f] = Σ over images and output pixels of x(window) · dy.
    static func kernelGradient(_ x: [Float], _ dy: [Float], images: Int, shape: ConvolutionShape) -> [Double] {
        let (c, f) = (shape.channels, shape.filters)
        var sums = [Double](repeating: 0, count: shape.patch * f)
        ScatterInputGradientTests.forEachTap(of: shape, images: images) { output, tap, input in
            for i in 0..<c {
                for o in 0..<f { sums[(tap * c + i) * f + o] += Double(x[input * c + i]) * Double(dy[output * f + o]) }
            }
        }
        return sums
    }
}
