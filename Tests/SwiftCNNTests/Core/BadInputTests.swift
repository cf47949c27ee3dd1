import Testing

@testable import SwiftCNN

/// Wrong shapes and arguments give errors that name the layer and the shapes involved.
@Suite struct BadInputTests {
    func message(_ body: () throws -> Void) -> String {
        do {
            try body()
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func denseNamesLayerAndBothShapes() throws {
        let dense = Dense(3)
        _ = try dense(Tensor.zeros([2, 4]))
        let text = message { _ = try dense(Tensor.zeros([2, 5])) }
        #expect(text.contains("dense (Dense)"))
        #expect(text.contains("[2, 5]"))
        #expect(text.contains("[4, 3]"))
    }

    @Test func convNamesLayerAndBothShapes() throws {
        let model = Sequential {
            Conv2D(2, kernelSize: 3)
            Conv2D(2, kernelSize: 3)
        }
        try model.build(inputShape: [8, 8, 3])
        let text = message { _ = try model(Tensor.zeros([1, 8, 8, 1])) }
        #expect(text.contains("conv2d (Conv2D)"))
        #expect(text.contains("[1, 8, 8, 1]"))
        #expect(text.contains("[3, 3, 3, 2]"))
    }

    @Test func rankAndSizeErrors() throws {
        #expect(message { _ = try Conv2D(2, kernelSize: 3)(Tensor.zeros([4, 4])) }.contains("4-D"))
        #expect(message { _ = try Conv2D(2, kernelSize: 5)(Tensor.zeros([1, 3, 3, 1])) }.contains("smaller than the kernel"))
        #expect(message { _ = try MaxPool2D(poolSize: 4)(Tensor.zeros([1, 3, 3, 1])) }.contains("smaller than the pool"))
        #expect(message { _ = try Dense(2)(Tensor.zeros([1, 2, 2, 1])) }.contains("Flatten"))
        #expect(message { _ = try add([Tensor.zeros([1, 2]), Tensor.zeros([1, 3])]) }.contains("[1, 3]"))
        #expect(message { _ = try Tensor(shape: [2, 2], scalars: [1, 2, 3]) }.contains("needs 4"))
        #expect(message { _ = try Activation("swish") }.contains("unknown activation"))
    }

    @Test func trainingArgumentsAreChecked() throws {
        let model = Sequential { Dense(2, activation: .softmax) }
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        let x = Tensor.zeros([4, 3])
        #expect(message { try model.fit(x: x, y: Tensor.zeros([3]), verbose: false) }.contains("4 samples"))
        #expect(message { try model.fit(x: x, y: Tensor.zeros([4]), batchSize: 0, verbose: false) }.contains("batch size"))
        #expect(message { _ = try Sequential { Dense(2) }.evaluate(x: x, y: Tensor.zeros([4])) }.contains("compile"))
    }

    @Test func paddingGeometryMatchesTensorFlow() {
        // same: ceil(in / stride), extra pad after; valid: ceil((in - k + 1) / stride).
        let same = WindowGeometry(input: 7, window: 4, stride: 2, padding: .same)
        #expect(same.output == 4 && same.padBefore == 1)
        let even = WindowGeometry(input: 8, window: 3, stride: 2, padding: .same)
        #expect(even.output == 4 && even.padBefore == 0)
        let valid = WindowGeometry(input: 7, window: 3, stride: 2, padding: .valid)
        #expect(valid.output == 3)
        #expect(kerasSnakeCase("ResNet18") == "res_net18")
        #expect(kerasSnakeCase("VGG16") == "vgg16")
        #expect(kerasSnakeCase("ConvBNRelu") == "conv_bn_relu")
    }
}

/// A loss that stops being finite ends training with a message naming where (Keras's
/// TerminateOnNaN), instead of training on garbage.
@Suite struct NonFiniteLossTests {
    @Test func divergingTrainingStopsWithEpochAndStep() throws {
        let model = Sequential {
            Conv2D(4, kernelSize: 3, padding: .same, activation: .relu)
            Flatten()
            Dense(3, activation: .softmax)
        }
        model.compile(optimizer: SGD(learningRate: 1e30), loss: SparseCategoricalCrossentropy())
        var random = RandomGenerator(seed: 5)
        let x = try Tensor(shape: [16, 4, 4, 1], scalars: (0..<256).map { _ in random.nextUniform() * 10 })
        let y = try Tensor(shape: [16], scalars: (0..<16).map { Float($0 % 3) })
        do {
            try model.fit(x: x, y: y, batchSize: 4, epochs: 3, verbose: false)
            Issue.record("training with a learning rate of 1e30 did not stop")
        } catch let error as SwiftCNNError {
            #expect(error.message.contains("epoch 1, step"), "\(error)")
            #expect(error.message.contains("lower learning rate"))
        }
    }
}
