import ArgumentParser
import SwiftCNN

@main
struct SwiftCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftcnn",
        abstract: "Train, evaluate and run the convolutional networks of the TensorFlow course, natively in Swift.",
        subcommands: [
            Train.self, Evaluate.self, Predict.self, Summary.self, Models.self, Bench.self, BenchAugmentation.self,
            Export.self, Convert.self,
        ])
}

/// Options every command that makes a model shares.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model: \(ModelZoo.names.joined(separator: ", ")), or a Keras 3 .keras file.")
    var model: String

    func entry() throws -> ModelZoo.Entry { try ModelZoo.entry(named: model) }
}

/// Checks a count option (`--epochs`, `--batch-size`, a limit): zero and negative values
/// get a line naming the option, as `--epochs -1` is read as a value, not a flag.
func requirePositive(_ value: Int?, _ option: String) throws {
    if let value, value <= 0 { throw SwiftCNNError("\(option) must be a positive whole number, got \(value)") }
}

/// Parses `32,32,3`.
func parseShape(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw SwiftCNNError("--input must be positive integers like 32,32,3, got '\(text)'")
    }
    return parts.map { $0! }
}
