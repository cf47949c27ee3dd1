import Foundation
import Testing

@testable import SwiftCNN

/// Real learning on real data: Debian's `dataset-fashion-mnist` (installed by `make test`
/// and CI). Skipped only outside CI when the package is absent.
@Suite struct LearningTests {
    static let directory = "/usr/share/datasets/fashion-mnist"
    static var available: Bool {
        FileManager.default.fileExists(atPath: directory + "/train-images-idx3-ubyte.gz")
            || ProcessInfo.processInfo.environment["CI"] == "true"
    }

    /// Baseline on 4,000 training images for one epoch. An untrained network scores about
    /// 0.10 (ten balanced classes: any constant or random guess is right one time in ten);
    /// one epoch of the course's Baseline reaches about 0.75. The bar of 0.60 is far above
    /// anything without learning and well below what learning gives, so it does not flake.
    @Test(.enabled(if: available)) func baselineLearnsFashionMNIST() throws {
        let locator = DatasetLocator(explicitDirectory: Self.directory, allowDownload: false)
        let train = try Dataset.load(.fashionMNIST, split: .train, locator: locator, limit: 4000)
        let test = try Dataset.load(.fashionMNIST, split: .test, locator: locator, limit: 1000)
        let model = Baseline()
        model.seed = 1
        try model.build(inputShape: train.imageShape)
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        let untrained = try model.evaluate(x: test.images, y: test.labels)["sparse_categorical_accuracy"] ?? 1
        let history = try model.fit(
            x: train.images, y: train.labels, batchSize: 32, epochs: 1, validationData: (test.images, test.labels),
            verbose: false)
        let accuracy = history["val_sparse_categorical_accuracy"].last ?? 0
        #expect(untrained < 0.3, "untrained accuracy \(untrained)")
        #expect(accuracy > 0.6, "accuracy after one epoch \(accuracy)")
        #expect(history["loss"].count == 1)
    }
}
