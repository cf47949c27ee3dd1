import ArgumentParser
import SwiftCNN

@main
struct SwiftCNNCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftcnn",
        abstract: "Train, evaluate and run the convolutional networks of the TensorFlow course, natively in Swift.",
        subcommands: [Summary.self, Models.self, Bench.self])
}

/// Options every command that makes a model shares.
struct ModelOptions: ParsableArguments {
    @Option(help: "Model: \(ModelZoo.names.joined(separator: ", ")).")
    var model: String

    func entry() throws -> ModelZoo.Entry { try ModelZoo.entry(named: model) }
}

/// Parses `32,32,3`.
func parseShape(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
        throw ValidationError("--input must be positive integers like 32,32,3, got '\(text)'")
    }
    return parts.map { $0! }
}
