import Testing

import SwiftCNN

/// The README's library example, kept compiling (without the CIFAR-10 download).
@Suite struct ReadmeExampleTests {
    final class Residual: Model {
        let c1 = Conv2D(16, kernelSize: 3, padding: .same, useBias: false)
        let b1 = BatchNormalization()
        let a1 = Activation(.relu)

        override func call(_ x: Tensor, training: Bool) throws -> Tensor {
            try a1(b1(c1(x, training: training), training: training) + x, training: training)
        }
    }

    @Test func exampleBuildsAndTrains() throws {
        let model = Sequential {
            Conv2D(6, kernelSize: 5, padding: .same)
            BatchNormalization()
            Activation(.relu)
            MaxPool2D(poolSize: 2, strides: 2, padding: .same)
            Dropout(0.2)
            Flatten()
            Dense(128, activation: .relu)
            Dropout(0.2)
            Dense(10, activation: .softmax)
        }
        model.compile(
            optimizer: Adam(), loss: SparseCategoricalCrossentropy(fromLogits: false), metrics: [SparseCategoricalAccuracy()])
        let x = Tensor(shape: [4, 8, 8, 3], repeating: 0.5)
        let y = try Tensor(shape: [4], scalars: [0, 1, 2, 3])
        let history = try model.fit(x: x, y: y, batchSize: 2, epochs: 1, validationData: (x, y), verbose: false)
        #expect(history["val_loss"].count == 1)
        let residual = Residual()
        #expect(try residual(Tensor(shape: [1, 4, 4, 16], repeating: 1)).shape == [1, 4, 4, 16])
        #expect(residual.namedParameters.map(\.path) == ["c1/kernel", "b1/gamma", "b1/beta", "b1/moving_mean", "b1/moving_variance"])
    }
}
