import Foundation
import Testing

@testable import SwiftCNN

/// The Swift half of `Tools/check_keras_interop.py write-keras3 / read-keras3` (set
/// SWIFTCNN_KERAS3_INTEROP_DIR): the six course models and a Sequential CNN, Keras 3's
/// `.weights.h5` and `.keras` into SwiftCNN and SwiftCNN's back. Skipped in CI, which has
/// neither Keras nor CIFAR-10.
@Suite struct Keras3InteropOfflineTests {
    static let directory = ProcessInfo.processInfo.environment["SWIFTCNN_KERAS3_INTEROP_DIR"]

    /// The interop script's Sequential CNN.
    static func sequential() -> Sequential {
        Sequential {
            Conv2D(8, kernelSize: 3, padding: .same, useBias: false)
            BatchNormalization()
            Activation(.relu)
            MaxPool2D(poolSize: 2, strides: 2, padding: .same)
            Dropout(0.2)
            Conv2D(16, kernelSize: 5, strides: 2, activation: .relu)
            AveragePooling2D(poolSize: 2)
            Flatten()
            Dense(32, activation: .relu)
            Dense(10, activation: .softmax)
        }
    }

    /// The interop script's Functional CNN: a branch, a skip, a layer shared by two calls,
    /// Add and Concatenate.
    static func functional() throws -> Model {
        let inputs = Input(shape: [32, 32, 3], name: "image")
        var x = try Conv2D(8, kernelSize: 3, padding: .same, useBias: false)(inputs)
        x = try BatchNormalization()(x)
        let a = try Activation(.relu)(x)
        let b = try Conv2D(8, kernelSize: 1, activation: .relu)(a)
        let c = try Conv2D(8, kernelSize: 3, padding: .same)(a)
        let shared = Conv2D(8, kernelSize: 1)
        shared.name = "shared"
        x = try Concatenate()([try Add()([shared(b), shared(c), a]), a])
        x = try MaxPool2D(poolSize: 2, strides: 2)(x)
        x = try Conv2D(16, kernelSize: 3, strides: 2, activation: .relu)(x)
        x = try GlobalAveragePooling2D()(x)
        return try Model(inputs: inputs, outputs: try Dense(10, activation: .softmax)(x), name: "functional")
    }

    /// SWIFTCNN_KERAS3_INTEROP_MODELS (comma-separated) limits the run to those models.
    static let models =
        ProcessInfo.processInfo.environment["SWIFTCNN_KERAS3_INTEROP_MODELS"].map {
            $0.split(separator: ",").map(String.init)
        } ?? ["Baseline", "LeNet5", "AlexNet8", "VGG16", "Inception10", "ResNet18", "Sequential", "Functional"]

    @Test(.enabled(if: directory != nil))
    func keras3Interop() throws {
        let dir = try #require(Self.directory)
        let x = try KerasInteropOfflineTests().probeImages()
        for name in Self.models {
            func make(seed: UInt64) throws -> Model {
                let model =
                    name == "Sequential" ? Self.sequential() : name == "Functional" ? try Self.functional() : try ModelZoo.make(name)
                model.seed = seed
                if !model.isBuilt { try model.build(inputShape: [32, 32, 3]) }
                model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
                return model
            }
            func keras(_ file: String) throws -> [Float] {
                let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
                return try #require((json as? [String: Any])?["probabilities"] as? [Double]).map(Float.init)
            }
            func difference(_ a: [Float], _ b: [Float]) -> Float { maxAbsDifference(a, b) }
            // Keras 3 -> SwiftCNN.
            let fromKeras = try make(seed: 1)
            try fromKeras.loadWeights(from: "\(dir)/\(name)/keras/\(name).weights.h5")
            let theirs = try keras("\(dir)/\(name)/keras/predictions.json")
            let weightsDifference = difference(try fromKeras.predict(x, batchSize: 50).scalars, theirs)
            print("INTEROP3 \(name): SwiftCNN loadWeights(Keras 3 .weights.h5): max |p_swift - p_keras| = \(weightsDifference), Adam iterations \(fromKeras.optimizer?.iterations ?? -1)")
            #expect(weightsDifference < 1e-4)
            if name == "Sequential" || name == "Functional" {
                let model = try KerasModelFile.load("\(dir)/\(name)/keras/\(name).keras")
                let archiveDifference = difference(try model.predict(x, batchSize: 50).scalars, theirs)
                print("INTEROP3 \(name): SwiftCNN KerasModelFile.load(Keras 3 .keras): max |p_swift - p_keras| = \(archiveDifference)")
                #expect(archiveDifference < 1e-4)
            }
            // SwiftCNN -> Keras 3: another initialisation, two Adam steps.
            let mine = try make(seed: 2)
            let batch = x.slice(batch: 0..<16)
            let labels = try Tensor(shape: [16], scalars: (0..<16).map { Float($0 % 10) })
            for _ in 0..<2 { _ = try mine.trainStep(batch, labels) }
            try mine.saveWeights(to: "\(dir)/\(name)/swift/\(name).weights.h5")
            try KerasModelFile.save(mine, to: "\(dir)/\(name)/swift/\(name).keras")
            let probabilities = try mine.predict(x, batchSize: 50).scalars.map(Double.init)
            try JSONSerialization.data(withJSONObject: ["probabilities": probabilities])
                .write(to: URL(fileURLWithPath: "\(dir)/\(name)/swift/predictions.json"))
        }
    }
}
