import ArgumentParser
import Foundation
import SwiftCNN

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify image files (PNG, JPEG) or a dataset split with a checkpoint.")

    @OptionGroup var options: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Weights: a checkpoint prefix (checkpoint/Baseline.ckpt), a .weights.h5 or a .safetensors file.")
    var weights: String?

    @Argument(help: "Image files to classify.")
    var images: [String] = []

    @Option(help: "Dataset split to classify instead of files: train or test.")
    var split: String?

    @Option(parsing: .unconditional, help: "Classify only the first N images of the split.")
    var limit: Int?

    @Option(help: "Write the probabilities as a float32 .npy array [N, classes].")
    var output: String?

    @Option(help: "Input shape without the batch axis (files are resized to it; default: what the checkpoint was trained on, else 32,32,3; a .keras model's own input).")
    var input: String?

    @Option(parsing: .unconditional, help: "Classes to show per image.")
    var top: Int = 3

    func run() throws {
        guard images.isEmpty != (split == nil) else {
            throw SwiftCNNError("give image files or --split (with --data), not both or neither")
        }
        try requirePositive(top, "--top")
        var classNames: [String]
        var batch: Tensor
        var labels: [String]
        var preloaded: Model?
        if let split {
            guard let which = DatasetSplit(rawValue: split) else { throw SwiftCNNError("--split must be train or test, got '\(split)'") }
            try requirePositive(limit, "--limit")
            let data: Dataset
            if try dataOptions.folder() != nil {
                data = try dataOptions.load(which, limit: limit)
            } else {
                data = try Dataset.load(try dataOptions.name(), split: which, locator: DatasetLocator(explicitDirectory: dataOptions.data), limit: limit)
            }
            (batch, classNames, labels) = (data.images, data.classNames, (0..<data.count).map { "#\($0)" })
        } else {
            let saved = try weights.flatMap { try CheckpointClasses.read(prefix: $0) }
            var shape = try input.map(parseShape) ?? saved?.imageShape ?? [32, 32, 3]
            if options.isKerasFile {
                // A .keras model takes the input its config records: resize to that.
                let made = try options.loadBuilt(inputShape: shape, weights: weights)
                guard let own = made.lastInputShape.map({ Array($0.dropFirst()) }) else {
                    throw SwiftCNNError("\(options.model): the model records no single input shape")
                }
                if let input, try parseShape(input) != own {
                    throw SwiftCNNError(
                        "--input \(input) differs from the input \(own.map(String.init).joined(separator: ",")) of \(options.model); leave --input out")
                }
                (preloaded, shape) = (made, own)
            }
            guard shape.count == 3 else { throw SwiftCNNError("--input must be height,width,channels") }
            var tensors: [Tensor] = []
            for path in images {
                let image = try ImageDecoder.read(path)
                tensors.append(try ImageResize.modelInput(image, height: shape[0], width: shape[1], channels: shape[2]))
            }
            batch = try stack(tensors)
            classNames = saved?.classNames ?? (try? dataOptions.name().classNames) ?? CIFAR10.defaultClassNames
            labels = images
        }
        let model = try preloaded ?? options.loadBuilt(inputShape: Array(batch.shape.dropFirst()), weights: weights)
        let probabilities = try model.predict(batch, batchSize: 256)
        if let output { try NPY.write(probabilities, to: output) }
        let classes = probabilities.shape[1]
        let values = probabilities.scalars
        for (row, label) in labels.enumerated() where images.count > 0 || row < 20 {
            let scores = Array(values[(row * classes)..<((row + 1) * classes)])
            let best = scores.indices.sorted { scores[$0] > scores[$1] }.prefix(max(top, 1))
            let text = best.map { "\($0 < classNames.count ? classNames[$0] : "class \($0)") \(String(format: "%.3f", scores[$0]))" }
            print("\(label): \(text.joined(separator: ", "))")
        }
        if let output { print("Wrote \(probabilities.shape[0])×\(classes) probabilities to \(output)") }
    }
}

/// Joins images `[H, W, C]` (what `ImageResize.modelInput` returns) into one batch
/// `[N, H, W, C]`.
func stack(_ tensors: [Tensor]) throws -> Tensor {
    guard let first = tensors.first else { throw SwiftCNNError("no images") }
    guard tensors.allSatisfy({ $0.shape == first.shape }) else {
        throw SwiftCNNError("images of different shapes cannot form one batch")
    }
    var values: [Float] = []
    values.reserveCapacity(first.count * tensors.count)
    for t in tensors { values += t.scalars }
    return try Tensor(shape: [tensors.count] + first.shape, scalars: values)
}
