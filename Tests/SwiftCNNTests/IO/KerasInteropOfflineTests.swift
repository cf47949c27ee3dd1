import Foundation
import Testing

@testable import SwiftCNN

/// The Swift half of Tools/check_keras_interop.py (set
/// SWIFTCNN_KERAS_INTEROP_DIR); skipped in CI, which has neither TensorFlow
/// nor CIFAR-10.
@Suite struct KerasInteropOfflineTests {
    /// Every 100th record of test_batch.bin as NHWC floats in [0, 1].
    func probeImages() throws -> Tensor {
        let bytes = try readWholeFile("/work/shared/data/cifar-10-batches-bin/test_batch.bin")
        var scalars: [Float] = []
        for n in stride(from: 0, to: 10000, by: 100) {
            let record = bytes[(n * 3073 + 1)..<((n + 1) * 3073)]
            for pixel in 0..<1024 {
                for channel in 0..<3 { scalars.append(Float(record[record.startIndex + channel * 1024 + pixel]) / 255) }
            }
        }
        return try Tensor(shape: [100, 32, 32, 3], scalars: scalars)
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["SWIFTCNN_KERAS_INTEROP_DIR"] != nil))
    func kerasInterop() throws {
        let dir = try #require(ProcessInfo.processInfo.environment["SWIFTCNN_KERAS_INTEROP_DIR"])
        let x = try probeImages()
        for name in ["Baseline", "ResNet18"] {
            func make(seed: UInt64) throws -> Model {
                let model: Model = name == "Baseline" ? Baseline() : ResNet18()
                model.seed = seed
                try model.build(inputShape: [32, 32, 3])
                return model
            }
            // Keras -> SwiftCNN.
            let fromKeras = try make(seed: 1)
            try fromKeras.loadWeights("\(dir)/\(name)/keras/\(name).ckpt")
            let ours = try fromKeras.predict(x, batchSize: 50).scalars
            let json = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: "\(dir)/\(name)/keras/predictions.json")))
            let theirs = try #require((json as? [String: Any])?["probabilities"] as? [Double]).map(Float.init)
            let difference = maxAbsDifference(ours, theirs)
            print("INTEROP \(name): SwiftCNN loadWeights(Keras checkpoint): max |p_swift - p_keras| = \(difference)")
            #expect(difference < 1e-5)

            // SwiftCNN -> Keras: a differently initialised model with
            // non-trivial batch-norm statistics.
            let mine = try make(seed: 2)
            for (path, parameter) in mine.namedParameters
            where path.hasSuffix("moving_mean") || path.hasSuffix("moving_variance") {
                let isVariance = path.hasSuffix("moving_variance")
                let values = parameter.value.scalars.enumerated().map { i, _ in
                    isVariance ? 0.5 + Float((i * 7) % 11) / 10 : Float((i * 5) % 9) / 20 - 0.2
                }
                parameter.value = try Tensor(shape: parameter.shape, scalars: values)
            }
            // Two Adam steps so the checkpoint carries optimizer state too.
            mine.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
            let batch = x.slice(batch: 0..<16)
            let labels = try Tensor(shape: [16], scalars: (0..<16).map { Float($0 % 10) })
            for _ in 0..<2 { try mine.trainStep(batch, labels) }
            try mine.saveWeights("\(dir)/\(name)/swift/\(name).ckpt")
            let start = Date()
            try mine.writeWeightsText(to: "\(dir)/\(name)/swift/weights.txt")
            print(
                "INTEROP \(name): weights.txt for \(mine.trainableWeights.map(\.count).reduce(0, +)) values took \(Date().timeIntervalSince(start)) s"
            )
            let probabilities = try mine.predict(x, batchSize: 50).scalars.map(Double.init)
            try JSONSerialization.data(withJSONObject: ["probabilities": probabilities])
                .write(to: URL(fileURLWithPath: "\(dir)/\(name)/swift/predictions.json"))
        }
    }
}
