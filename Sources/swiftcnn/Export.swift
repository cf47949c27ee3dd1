import ArgumentParser
import SwiftCNN

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Write a model and its checkpoint as an ONNX file (NHWC float32 input, probabilities out) for onnxruntime and other runtimes."
    )

    @OptionGroup var options: ModelOptions

    @Option(help: "Checkpoint path prefix, e.g. checkpoint/Baseline.ckpt (default: freshly initialised weights).")
    var weights: String?

    @Option(help: "Where to write the ONNX model.")
    var output: String

    @Option(help: "Input shape without the batch axis (default: 32,32,3; a .keras model's own input).")
    var input: String?

    @Option(parsing: .unconditional, help: "Seed for the initial weights when no --weights is given.")
    var seed: UInt64 = 0

    func run() throws {
        if options.isKerasFile {
            // The file brings its architecture, input shape and weights.
            let model = try options.loadBuilt(inputShape: [], weights: weights)
            let summary = try model.exportONNX(to: output, inputShape: try input.map(parseShape))
            print("Wrote \(output): \(summary)")
            return
        }
        let shape = try parseShape(input ?? "32,32,3")
        let entry = try options.entry()
        let model = entry.make()
        model.seed = seed
        try model.build(inputShape: shape)
        if let weights {
            try model.loadWeights(weights)
        } else {
            print("No --weights: exporting freshly initialised weights (seed \(seed))")
        }
        let summary = try model.exportONNX(to: output, inputShape: shape)
        print("Wrote \(output): \(summary)")
    }
}
