import Testing

@testable import SwiftCNN

/// Keras's `model.summary()` totals for each network built on 32×32×3 (tf-keras 2.21,
/// `../shared/reference/keras_models.py`), and the depth each name promises.
@Suite struct ZooParameterTests {
    static let kerasTotals: [(name: String, total: Int, trainable: Int, nonTrainable: Int)] = [
        ("baseline", 198_506, 198_494, 12),
        ("lenet5", 62_006, 62_006, 0),
        ("alexnet8", 9_639_178, 9_638_474, 704),
        ("vgg16", 15_262_026, 15_253_578, 8_448),
        ("inception10", 121_418, 120_234, 1_184),
        ("resnet18", 11_183_562, 11_173_962, 9_600),
    ]

    @Test(arguments: kerasTotals)
    func parameterCountsMatchKeras(_ expected: (name: String, total: Int, trainable: Int, nonTrainable: Int)) throws {
        let entry = try ModelZoo.entry(named: expected.name)
        let model = entry.make()
        try model.build(inputShape: [32, 32, 3])
        #expect(model.parameterCount == expected.total)
        #expect(model.trainableParameterCount == expected.trainable)
        #expect(model.nonTrainableParameterCount == expected.nonTrainable)
        #expect(model.lastOutputShape == [1, 10])
        let summary = model.summary()
        #expect(summary.contains("Total params: \(expected.total) "))
        #expect(summary.contains("Non-trainable params: \(expected.nonTrainable) "))
        #expect(try model.weightedDepth() == entry.depth)
    }

    @Test(arguments: ModelZoo.names)
    func buildsOnFashionMNISTShape(_ name: String) throws {
        let model = try ModelZoo.make(name)
        try model.build(inputShape: [28, 28, 1])
        #expect(model.lastOutputShape == [1, 10])
    }

    /// A real forward pass of two 28×28×1 images for the networks cheap enough in a debug build.
    @Test(arguments: ["baseline", "lenet5", "alexnet8", "inception10"])
    func forwardGivesSoftmaxRows(_ name: String) throws {
        let model = try ModelZoo.make(name)
        let pixels: [Float] = (0..<(2 * 28 * 28)).map { (i: Int) -> Float in Float(i % 29) / 29 }
        let x = try Tensor(shape: [2, 28, 28, 1], scalars: pixels)
        let y = try model(x, training: false)
        #expect(y.shape == [2, 10])
        for row in 0..<2 {
            let probabilities = y.scalars[(row * 10)..<(row * 10 + 10)]
            #expect(probabilities.allSatisfy { $0 >= 0 && $0 <= 1 })
            #expect(abs(probabilities.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func resNet18FinalDenseHasL2() {
        #expect(ResNet18().f1.kernelRegularizer == .l2(0.01))
    }

    @Test func cbapdBaselineHasTheBaselineParameters() throws {
        let model = Sequential {
            CBAPD(6, kernelSize: 5)
            Flatten()
            Dense(128, activation: .relu)
            Dropout(0.2)
            Dense(10, activation: .softmax)
        }
        try model.build(inputShape: [32, 32, 3])
        #expect(model.parameterCount == 198_506)
        #expect(model.nonTrainableParameterCount == 12)
        #expect(model.namedParameters.map(\.path).prefix(3) == ["0/c/kernel", "0/c/bias", "0/b/gamma"])
    }

    @Test func registryFindsBothSpellings() throws {
        #expect(ModelZoo.names == ["baseline", "lenet5", "alexnet8", "vgg16", "inception10", "resnet18"])
        #expect(try ModelZoo.entry(named: "ResNet18").displayName == "ResNet18")
        #expect(try ModelZoo.make("vgg16") is VGG16)
        #expect(throws: SwiftCNNError.self) { try ModelZoo.entry(named: "googlenet") }
    }
}
