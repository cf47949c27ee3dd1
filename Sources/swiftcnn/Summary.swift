import ArgumentParser
import SwiftCNN

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print a model's layers and parameter counts as Keras's model.summary().")

    @OptionGroup var options: ModelOptions

    @Option(help: "Input shape without the batch axis.")
    var input: String = "32,32,3"

    @Flag(help: "Also show each layer's receptive field, jump (cumulative stride) and FLOPs.")
    var details = false

    func run() throws {
        let model = try options.load().model
        if !model.isBuilt { try model.build(inputShape: try parseShape(input)) }
        print(details ? try model.detailedSummary() : model.summary())
    }
}
