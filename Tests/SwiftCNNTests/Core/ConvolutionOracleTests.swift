import CSwiftCNNSupport
import Testing

@testable import SwiftCNN

/// The fast convolution paths (along output rows for few channels and filters, direct kernel
/// for few filters, reading the image in place when no window leaves it, im2col + SGEMM otherwise,
/// plain SGEMM for 1×1) against a plain nested-loop reference, forward and backward.
@Suite struct ConvolutionOracleTests {
    /// The textbook definition over NHWC input and a [kh, kw, c, f] kernel.
    static func reference(_ x: [Float], _ w: [Float], _ b: [Float], images: Int, shape: ConvolutionShape) -> [Float] {
        let (g, c, f) = (shape.window, shape.channels, shape.filters)
        var out = [Float](repeating: 0, count: images * g.rows.output * g.cols.output * f)
        for n in 0..<images {
            for oy in 0..<g.rows.output {
                for ox in 0..<g.cols.output {
                    for o in 0..<f {
                        var sum = b[o]
                        for ky in 0..<g.rows.window {
                            for kx in 0..<g.cols.window {
                                let y = oy * g.rows.stride - g.rows.padBefore + ky
                                let x = ox * g.cols.stride - g.cols.padBefore + kx
                                guard y >= 0, y < g.rows.input, x >= 0, x < g.cols.input else { continue }
                                for i in 0..<c {
                                    sum += x_at(x_: x, y, n, i) * w[((ky * g.cols.window + kx) * c + i) * f + o]
                                }
                            }
                        }
                        out[((n * g.rows.output + oy) * g.cols.output + ox) * f + o] = sum
                    }
                }
            }
        }
        func x_at(x_ xx: Int, _ y: Int, _ n: Int, _ i: Int) -> Float {
            x[((n * g.rows.input + y) * g.cols.input + xx) * c + i]
        }
        return out
    }

    static let configurations: [(filters: Int, kernel: Size2D, strides: Size2D, padding: Padding, channels: Int, size: Int)] = [
        (6, 5, 1, .same, 3, 9),  // along rows (Baseline's first layer), direct kernel gradient
        (6, 5, 1, .valid, 3, 37),  // along rows: 33 pixels a row, several passes and a short last one
        (3, [3, 5], 1, .same, 1, 20),  // along rows: grayscale, rectangular, 3 filters
        (8, 3, 1, .valid, 4, 12),  // along rows: 8 filters of 4 channels
        (2, 2, 1, .same, 2, 70),  // along rows: 2 filters, four vectors a pass, even kernel's padding
        (6, 3, 1, .same, 5, 8),  // direct, 8 lanes: 5 channels are too many to go along rows
        (16, 5, 1, .valid, 6, 10),  // direct, 16 lanes (LeNet5's second layer)
        (5, [3, 2], 2, .same, 4, 7),  // direct, rectangular, stride 2, odd size
        (24, 3, 2, .same, 5, 8),  // im2col + SGEMM
        (20, 3, 1, .valid, 3, 6),  // im2col + SGEMM, valid
        (18, 1, 1, .valid, 7, 5),  // pointwise SGEMM
        (7, 1, 2, .same, 3, 7),  // 1×1 stride 2: direct, read in place
        (12, 1, 2, .same, 16, 8),  // 1×1 stride 2, even size (Inception's): direct, read in place
        (16, 1, 1, .valid, 9, 6),  // pointwise with few filters: direct forward, SGEMM backward
        (6, 3, 2, .valid, 5, 7),  // valid, every window inside: direct, read in place
        (32, 5, 1, .same, 6, 9),  // 5×5 with 32 filters: direct forward in two 16-filter blocks
        (20, [5, 3], 2, .valid, 3, 11),  // wide kernel, 20 filters: a partial last block, read in place
        (8, 5, 1, .valid, 12, 9),  // input gradient scattered, 64-float kernel rows
        (4, 4, 1, .valid, 10, 8),  // input gradient scattered, 48-float kernel rows, even kernel
        (16, 3, 1, .same, 16, 6),  // input gradient as the transposed direct convolution
        (24, 5, 2, .same, 16, 7),  // im2col, input gradient scattered (80-float rows, stride 2)
        (17, 5, 1, .same, 16, 6),  // im2col, input gradient scattered
    ]

    @Test(arguments: 0..<configurations.count)
    func fastPathsMatchTheReference(_ index: Int) throws {
        let config = Self.configurations[index]
        var random = RandomGenerator(seed: UInt64(index + 1))
        let images = 3
        let layer = Conv2D(config.filters, kernelSize: config.kernel, strides: config.strides, padding: config.padding)
        let inputValues = (0..<(images * config.size * config.size * config.channels)).map { _ in random.nextUniform() * 2 - 1 }
        let input = try Tensor(shape: [images, config.size, config.size, config.channels], scalars: inputValues)
        _ = try layer(input)
        let kernel = try #require(layer.kernel)
        let bias = try #require(layer.bias)
        bias.value = try Tensor(shape: [config.filters], scalars: (0..<config.filters).map { _ in random.nextUniform() })
        let tracked = input.trackingGradient()
        let output = try layer(tracked, training: true)
        let window = Window2D(
            height: config.size, width: config.size, window: config.kernel.pair, strides: config.strides.pair, padding: config.padding)
        let shape = ConvolutionShape(images: images, channels: config.channels, filters: config.filters, window: window)
        let expected = Self.reference(inputValues, kernel.value.scalars, bias.value.scalars, images: images, shape: shape)
        #expect(output.shape == [images, window.rows.output, window.cols.output, config.filters])
        #expect(zip(output.scalars, expected).allSatisfy { abs($0 - $1) < 1e-5 })

        // Backward against finite differences of the reference: L = Σ y · g.
        let upstream = (0..<output.count).map { _ in random.nextUniform() * 2 - 1 }
        try output.backward(seed: try Tensor(shape: output.shape, scalars: upstream))
        func loss(_ x: [Float], _ w: [Float]) -> Double {
            zip(Self.reference(x, w, bias.value.scalars, images: images, shape: shape), upstream)
                .reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
        let w = kernel.value.scalars
        for i in stride(from: 0, to: w.count, by: max(1, w.count / 12)) {
            var plus = w, minus = w
            plus[i] += 1e-2
            minus[i] -= 1e-2
            let numeric = Float((loss(inputValues, plus) - loss(inputValues, minus)) / 2e-2)
            #expect(abs(numeric - (kernel.gradient?.scalars[i] ?? .nan)) < 2e-2 * max(1, abs(numeric)), "dW[\(i)]")
        }
        for i in stride(from: 0, to: inputValues.count, by: max(1, inputValues.count / 12)) {
            var plus = inputValues, minus = inputValues
            plus[i] += 1e-2
            minus[i] -= 1e-2
            let numeric = Float((loss(plus, w) - loss(minus, w)) / 2e-2)
            #expect(abs(numeric - (tracked.gradient?.scalars[i] ?? .nan)) < 2e-2 * max(1, abs(numeric)), "dX[\(i)]")
        }
        let biasGradient = upstream.indices.reduce(into: [Float](repeating: 0, count: config.filters)) { sums, i in
            sums[i % config.filters] += upstream[i]
        }
        #expect(zip(bias.gradient?.scalars ?? [], biasGradient).allSatisfy { abs($0 - $1) < 1e-3 })
    }
}

/// The row kernels' narrower code (AVX2's 8 lanes, the generic 4), which the layer runs only
/// on CPUs without AVX-512, against the reference on this CPU; the kernel gradient at the
/// CPU's widest too.
@Suite struct RowConvolutionWidthTests {
    @Test(arguments: [8, 4])
    func narrowerVectorsMatchTheReference(_ lanes: Int) throws {
        var random = RandomGenerator(seed: UInt64(lanes))
        for (filters, kernel, padding, channels, size) in [
            (6, 5, Padding.same, 3, 32), (6, 5, .valid, 3, 37), (8, 3, .valid, 4, 12), (1, 3, .same, 1, 9), (7, 2, .same, 2, 19),
        ] {
            let images = 2
            let window = Window2D(height: size, width: size, window: (kernel, kernel), strides: (1, 1), padding: padding)
            let shape = ConvolutionShape(images: images, channels: channels, filters: filters, window: window)
            #expect(shape.usesRowKernel)
            let x = (0..<(images * size * size * channels)).map { _ in random.nextUniform() * 2 - 1 }
            let w = (0..<(shape.patch * filters)).map { _ in random.nextUniform() * 2 - 1 }
            let b = (0..<filters).map { _ in random.nextUniform() }
            var out = [Float](repeating: .nan, count: images * shape.outputPixels * filters)
            var scratch = [Float](repeating: .nan, count: swiftcnn_conv_rows_scratch(shape.cShape))
            swiftcnn_conv_rows_forward(x, w, b, &out, images, shape.cShape, lanes, &scratch)
            let expected = ConvolutionOracleTests.reference(x, w, b, images: images, shape: shape)
            #expect(zip(out, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(filters) filters, \(kernel)×\(kernel), \(padding)")
        }
    }

    /// The kernel gradient along rows at every width, against Σ x · dy over the windows.
    @Test(arguments: [0, 8, 4])
    func kernelGradientMatchesTheReference(_ lanes: Int) throws {
        var random = RandomGenerator(seed: UInt64(lanes + 3))
        for (filters, kernel, padding, channels, size) in [
            (6, 5, Padding.same, 3, 32), (6, 5, .valid, 3, 37), (8, 3, .valid, 4, 12), (1, 3, .same, 1, 9), (7, 2, .same, 2, 19),
            (3, 4, .valid, 2, 8),
        ] {
            let images = 3
            let window = Window2D(height: size, width: size, window: (kernel, kernel), strides: (1, 1), padding: padding)
            let shape = ConvolutionShape(images: images, channels: channels, filters: filters, window: window)
            #expect(shape.usesRowKernel)
            let x = (0..<(images * size * size * channels)).map { _ in random.nextUniform() * 2 - 1 }
            let dy = (0..<(images * shape.outputPixels * filters)).map { _ in random.nextUniform() * 2 - 1 }
            var expected = [Double](repeating: 0, count: shape.patch * filters)
            let g = shape.window
            for n in 0..<images {
                for oy in 0..<g.rows.output {
                    for ox in 0..<g.cols.output {
                        for ky in 0..<kernel {
                            for kx in 0..<kernel {
                                let (y, xx) = (oy - g.rows.padBefore + ky, ox - g.cols.padBefore + kx)
                                guard y >= 0, y < size, xx >= 0, xx < size else { continue }
                                for i in 0..<channels {
                                    for o in 0..<filters {
                                        expected[((ky * kernel + kx) * channels + i) * filters + o] +=
                                            Double(x[((n * size + y) * size + xx) * channels + i])
                                            * Double(dy[((n * g.rows.output + oy) * g.cols.output + ox) * filters + o])
                                    }
                                }
                            }
                        }
                    }
                }
            }
            let gradientLanes = 8
            var packed = [Float](repeating: 0, count: shape.patch * gradientLanes)
            var scratch = [Float](repeating: .nan, count: swiftcnn_conv_rows_gradient_scratch(shape.cShape))
            swiftcnn_conv_rows_kernel_gradient(x, dy, &packed, gradientLanes, images, shape.cShape, lanes, &scratch)
            var worst: Double = 0
            for r in 0..<shape.patch {
                for o in 0..<filters { worst = max(worst, abs(Double(packed[r * gradientLanes + o]) - expected[r * filters + o])) }
                for o in filters..<gradientLanes { worst = max(worst, abs(Double(packed[r * gradientLanes + o]))) }
            }
            #expect(worst < 1e-3, "\(filters) filters, \(kernel)×\(kernel), \(padding): \(worst)")
        }
    }
}

/// The scattered input gradient at every vector width (the layer runs the CPU's widest),
/// any stride and padding, against the textbook sum over windows.
@Suite struct ScatterInputGradientTests {
    static func reference(_ dy: [Float], _ w: [Float], images: Int, shape: ConvolutionShape) -> [Float] {
        let (c, f) = (shape.channels, shape.filters)
        var dx = [Float](repeating: 0, count: images * shape.inputPixels * c)
        forEachTap(of: shape, images: images) { output, tap, input in
            for i in 0..<c {
                var sum: Float = 0
                for o in 0..<f { sum += dy[output * f + o] * w[(tap * c + i) * f + o] }
                dx[input * c + i] += sum
            }
        }
        return dx
    }

    /// Every (output pixel, kernel tap, input pixel) of the windows that fall inside the
    /// image, as flat indices: pixel n·H·W + y·W + x, tap ky·kw + kx.
    static func forEachTap(of shape: ConvolutionShape, images: Int, _ body: (Int, Int, Int) -> Void) {
        let g = shape.window
        for n in 0..<images {
            for oy in 0..<g.rows.output {
                for ox in 0..<g.cols.output {
                    for ky in 0..<g.rows.window {
                        for kx in 0..<g.cols.window {
                            let y = oy * g.rows.stride - g.rows.padBefore + ky
                            let x = ox * g.cols.stride - g.cols.padBefore + kx
                            guard y >= 0, y < g.rows.input, x >= 0, x < g.cols.input else { continue }
                            body(
                                (n * g.rows.output + oy) * g.cols.output + ox, ky * g.cols.window + kx,
                                (n * g.rows.input + y) * g.cols.input + x)
                        }
                    }
                }
            }
        }
    }

    @Test(arguments: [0, 8, 4])
    func everyWidthMatchesTheReference(_ lanes: Int) throws {
        var random = RandomGenerator(seed: UInt64(lanes + 7))
        for (filters, kernel, stride, padding, channels, size) in [
            (16, 5, 1, Padding.valid, 6, 14), (6, 5, 1, .same, 3, 11), (5, 3, 2, .same, 4, 9), (8, 5, 1, .valid, 12, 9),
            (4, 4, 1, .valid, 10, 8), (3, 2, 2, .valid, 7, 7), (1, 3, 1, .same, 1, 5),
            (24, 5, 2, .same, 16, 9), (8, 3, 1, .valid, 40, 7), (32, 5, 1, .same, 32, 8),
        ] {
            let images = 2
            let window = Window2D(height: size, width: size, window: (kernel, kernel), strides: (stride, stride), padding: padding)
            let shape = ConvolutionShape(images: images, channels: channels, filters: filters, window: window)
            let cShape = shape.cShape
            #expect(swiftcnn_conv_scatter_row(cShape) > 0)
            let dy = (0..<(images * shape.outputPixels * filters)).map { _ in random.nextUniform() * 2 - 1 }
            let w = (0..<(shape.patch * filters)).map { _ in random.nextUniform() * 2 - 1 }
            var packed = [Float](repeating: .nan, count: swiftcnn_conv_scatter_kernel_count(cShape))
            swiftcnn_conv_scatter_pack(w, &packed, cShape)
            var dx = [Float](repeating: .nan, count: images * shape.inputPixels * channels)
            var scratch = [Float](repeating: .nan, count: swiftcnn_conv_scatter_scratch(cShape))
            swiftcnn_conv_scatter_input_gradient(dy, packed, &dx, images, cShape, lanes, &scratch)
            let expected = Self.reference(dy, w, images: images, shape: shape)
            #expect(
                zip(dx, expected).allSatisfy { abs($0 - $1) < 1e-4 },
                "\(filters) filters, \(kernel)×\(kernel) stride \(stride), \(padding), \(channels) channels")
        }
    }

    @Test func lenet5SecondLayerScatters() {
        let window = Window2D(height: 14, width: 14, window: (5, 5), strides: (1, 1), padding: .valid)
        #expect(ConvolutionShape(images: 32, channels: 6, filters: 16, window: window).scattersInputGradient)
        let same = Window2D(height: 32, width: 32, window: (3, 3), strides: (1, 1), padding: .same)
        #expect(!ConvolutionShape(images: 32, channels: 16, filters: 16, window: same).scattersInputGradient)
        // Inception10's 32-filter 5×5 layers on 8×8 maps (im2col): scattered; many filters: not.
        let five = Window2D(height: 8, width: 8, window: (5, 5), strides: (1, 1), padding: .same)
        #expect(ConvolutionShape(images: 32, channels: 32, filters: 32, window: five).scattersIm2colInputGradient)
        #expect(!ConvolutionShape(images: 32, channels: 32, filters: 64, window: five).scattersIm2colInputGradient)
    }
}
