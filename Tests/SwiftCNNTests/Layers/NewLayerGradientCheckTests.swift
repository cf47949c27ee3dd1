import Testing

@testable import SwiftCNN

/// Finite-difference checks of the new layers' backward rules (`GradientCheckTests.check`:
/// L = Σ layer(x)·g, analytic against central differences for the input and every weight).
@Suite struct NewLayerGradientCheckTests {
    let checker = GradientCheckTests()

    @Test func depthwiseAndSeparableConvolutions() throws {
        try checker.check(DepthwiseConv2D(kernelSize: 3, strides: 2, padding: .same, depthMultiplier: 2), inputShape: [2, 5, 6, 2])
        try checker.check(DepthwiseConv2D(kernelSize: [2, 3], activation: .tanh, useBias: false), inputShape: [1, 4, 5, 3])
        try checker.check(SeparableConv2D(3, kernelSize: 3, padding: .same, depthMultiplier: 2), inputShape: [2, 4, 4, 2])
        try checker.check(SeparableConv2D(2, kernelSize: 2, strides: 2, useBias: false), inputShape: [1, 5, 5, 3])
    }

    @Test func transposedConvolution() throws {
        try checker.check(Conv2DTranspose(2, kernelSize: 3, strides: 2, padding: .same), inputShape: [2, 3, 3, 2])
        try checker.check(Conv2DTranspose(3, kernelSize: [2, 3], strides: [1, 2], activation: .sigmoid), inputShape: [1, 3, 2, 2])
        try checker.check(Conv2DTranspose(2, kernelSize: 1, strides: 3, useBias: false), inputShape: [1, 2, 2, 3])
    }

    @Test func paddingUpSamplingAndReshape() throws {
        try checker.check(ZeroPadding2D(padding: ((0, 2), (1, 0))), inputShape: [2, 3, 3, 2])
        try checker.check(UpSampling2D(size: [2, 3]), inputShape: [2, 3, 2, 2])
        try checker.check(UpSampling2D(size: 3, interpolation: .bilinear), inputShape: [1, 3, 4, 2])
        try checker.check(Reshape(targetShape: [-1, 3]), inputShape: [2, 2, 3, 2])
        try checker.check(Rescaling(0.5, offset: -1), inputShape: [3, 4])
    }

    /// Seeds and grids chosen so no input lies within a step of a kink.
    @Test func rectifiers() throws {
        try checker.check(LeakyReLU(), inputShape: [3, 7], seed: 2)
        try checker.check(ReLU(maxValue: 0.87, negativeSlope: 0.2, threshold: 0.32), inputShape: [3, 7], distinct: true)
        try checker.check(ReLU(negativeSlope: 0.1), inputShape: [4, 6], seed: 2)
        try checker.check(ReLU(), inputShape: [4, 6], seed: 2)
    }

    /// At a kink the slope is TensorFlow's: a plain leak's at 0, 0 where Keras composes.
    @Test func rectifierSlopesAtKinksAreTensorFlows() throws {
        let x = try Tensor(shape: [1], scalars: [0]).trackingGradient()
        try LeakyReLU()(x).backward()
        #expect(x.gradient?.scalars == [0.3])
        let t = try Tensor(shape: [1], scalars: [0.5]).trackingGradient()
        try ReLU(negativeSlope: 0.2, threshold: 0.5)(t).backward()
        #expect(t.gradient?.scalars == [0])
        for (maxValue, slope) in [(Float(6), Float(0)), (1, 1)] {
            let m = try Tensor(shape: [1], scalars: [maxValue]).trackingGradient()
            try ReLU(maxValue: maxValue)(m).backward()
            #expect(m.gradient?.scalars == [slope], "ReLU(maxValue: \(maxValue)) at its max")
        }
    }

    @Test func layerNormalization() throws {
        try checker.check(LayerNormalization(), inputShape: [4, 5])
        try checker.check(LayerNormalization(epsilon: 1e-2, center: false), inputShape: [2, 2, 2, 3])
        try checker.check(LayerNormalization(scale: false), inputShape: [3, 4])
    }

    /// The public functions agree with the layers that call them.
    @Test func functionsMatchLayers() throws {
        var random = RandomGenerator(seed: 5)
        let x = try Tensor(shape: [2, 4, 4, 2], scalars: (0..<64).map { _ in random.nextUniform() * 2 - 1 })
        let depthwise = DepthwiseConv2D(kernelSize: 3, depthMultiplier: 2)
        let y = try depthwise(x)
        let kernel = try #require(depthwise.kernel).value
        let bias = try #require(depthwise.bias).value
        #expect(try depthwiseConv2d(x, kernel: kernel, bias: bias).maxAbsDifference(y) == 0)
        let transpose = Conv2DTranspose(3, kernelSize: 2, strides: 2)
        let t = try transpose(x)
        #expect(t.shape == [2, 8, 8, 3])
        #expect(try conv2dTranspose(x, kernel: try #require(transpose.kernel).value, bias: try #require(transpose.bias).value, strides: 2).maxAbsDifference(t) == 0)
        #expect(try zeroPadding2d(x, top: 1, bottom: 0, left: 0, right: 2).shape == [2, 5, 6, 2])
        #expect(try upSampling2d(x, size: 2).shape == [2, 8, 8, 2])
        #expect(leakyRelu(try Tensor(shape: [2], scalars: [-1, 2])).scalars == [-0.2, 2])
        #expect(relu(try Tensor(shape: [3], scalars: [-1, 2, 9]), maxValue: 6).scalars == [0, 2, 6])
        let normalized = try SwiftCNN.layerNormalization(try Tensor(shape: [1, 2], scalars: [1, 3]), epsilon: 0)
        #expect(normalized.scalars == [-1, 1])
    }
}
