import ArgumentParser
import SwiftCNN

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Loss and accuracy of a checkpoint on a dataset's test split.")

    @OptionGroup var options: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Weights: a checkpoint prefix (checkpoint/Baseline.ckpt), a .weights.h5 or a .safetensors file.")
    var weights: String?

    @Option(parsing: .unconditional, help: "Evaluate on N test images (a fixed random sample).")
    var limit: Int?

    @Option(parsing: .unconditional, help: "Images per batch.")
    var batchSize: Int = 32

    func run() throws {
        try requirePositive(batchSize, "--batch-size")
        let test = try dataOptions.load(.test, limit: limit)
        if let weights, let saved = try CheckpointClasses.read(prefix: weights), saved.classNames != test.classNames {
            throw SwiftCNNError(
                "\(CheckpointClasses.path(prefix: weights)): the checkpoint was trained on the classes \(saved.classNames.joined(separator: ", ")), "
                    + "the test images have \(test.classNames.joined(separator: ", "))")
        }
        let model = try options.loadBuilt(inputShape: test.imageShape, weights: weights)
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        let results = try model.evaluate(x: test.images, y: test.labels, batchSize: batchSize)
        let accuracy = results["sparse_categorical_accuracy"] ?? 0
        // Under mpirun every rank evaluated its part and holds the job's result; rank 0 says it.
        guard try DataParallel.current()?.isPrimary ?? true else { return }
        print("\(test.count) images - loss: \(format(results["loss"] ?? 0)) - sparse_categorical_accuracy: \(format(accuracy))")
    }
}

func format(_ value: Double) -> String { String(format: "%.4f", value) }
