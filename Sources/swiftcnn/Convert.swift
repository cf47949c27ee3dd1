import ArgumentParser
import Foundation
import SwiftCNN

/// `swiftcnn convert`: weights from one format to another, each chosen by its extension,
/// so that a tf.keras 2 course checkpoint becomes a Keras 3 file and back.
struct Convert: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Convert weights between TensorFlow checkpoints (.ckpt), Keras 3 .weights.h5 and .keras, and .safetensors.",
        discussion: """
            Each format follows the path's extension. The model comes from --model (a zoo name or a .keras \
            file) or from IN when IN is a .keras file. The optimizer's state (Adam's, or --optimizer's) travels \
            with the weights between .ckpt, .weights.h5 and .keras; safetensors holds the weights only.
            """)

    @Option(help: "Model: \(ModelZoo.names.joined(separator: ", ")), or a .keras file (default: IN when it is a .keras file).")
    var model: String?

    @Option(help: "Input shape without the batch axis, for a zoo model.")
    var input: String = "32,32,3"

    @Option(parsing: .unconditional, help: "The optimizer whose state IN holds, for a zoo model: adam, sgd, rmsprop or adamw.")
    var optimizer: String = "adam"

    @Argument(help: "The file to read: a checkpoint prefix (x.ckpt), x.weights.h5, x.keras or x.safetensors.")
    var source: String

    @Argument(help: "The file to write, in the format its extension names.")
    var destination: String

    func run() throws {
        let model: Model
        if source.lowercased().hasSuffix(".keras"), self.model == nil {
            model = try KerasModelFile.load(source)
        } else {
            guard let name = self.model else {
                throw SwiftCNNError("convert needs --model (a zoo name or a .keras file) to read \(source)")
            }
            model = try ModelOptions.parse(["--model", name]).load().model
            if !model.isBuilt { try model.build(inputShape: try parseShape(input)) }
            // Compiled with the named optimizer, so that the file's state of it, if any, is read
            // and written on (another optimizer's state would be skipped).
            guard let kind = OptimizerKind(rawValue: optimizer.lowercased()) else {
                throw SwiftCNNError(
                    "--optimizer: unknown optimizer '\(optimizer)'; supported: \(OptimizerKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if model.optimizer == nil {
                model.compile(optimizer: kind.make(learningRate: kind.defaultLearningRate), loss: SparseCategoricalCrossentropy())
            }
            try model.loadWeights(from: source)
        }
        try model.saveWeights(to: destination)
        var line = "Converted \(source) to \(destination): \(model.namedParameters.count) variables"
        if let optimizer = model.optimizer, optimizer.iterations > 0, !destination.lowercased().hasSuffix(".safetensors") {
            line += " and \(optimizer.name)'s state (\(optimizer.iterations) iterations)"
        }
        print(line)
    }
}
