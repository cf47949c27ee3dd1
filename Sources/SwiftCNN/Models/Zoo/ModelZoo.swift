/// The six networks of the course's class 5, by the names the command line uses.
///
/// ```swift
/// let model = try ModelZoo.make("resnet18")   // a fresh, unbuilt ResNet18
/// try model.build(inputShape: [32, 32, 3])
/// ```
public enum ModelZoo {
    /// One network: its names, where it came from, and how to make one.
    public struct Entry: Sendable {
        /// Name on the command line: `baseline`, `lenet5`, …
        public let name: String
        /// The course's class name, also the default checkpoint name: `Baseline`, `LeNet5`, …
        public let displayName: String
        /// Year the architecture was published; nil for the course's own baseline.
        public let year: Int?
        /// Weighted layers (convolutions and dense layers) on the longest path, as the
        /// name counts them (ResNet18: 18). `ModelStatistics.depth` recomputes it.
        public let depth: Int
        /// What the network introduced, from the course's §5.16 summary.
        public let idea: String
        /// Makes a fresh, unbuilt model.
        public let make: @Sendable () -> Model
    }

    /// The networks in the course's order.
    public static let all: [Entry] = [
        Entry(
            name: "baseline", displayName: "Baseline", year: nil, depth: 3,
            idea: "the course's starting point: one C-B-A-P-D block, then two dense layers",
            make: { Baseline() }),
        Entry(
            name: "lenet5", displayName: "LeNet5", year: 1998, depth: 5,
            idea: "the first convolutional network: shared convolution kernels, far fewer parameters",
            make: { LeNet5() }),
        Entry(
            name: "alexnet8", displayName: "AlexNet8", year: 2012, depth: 8,
            idea: "ReLU to train faster, Dropout against overfitting",
            make: { AlexNet8() }),
        Entry(
            name: "vgg16", displayName: "VGG16", year: 2014, depth: 16,
            idea: "small 3x3 kernels (fewer parameters), a regular structure that suits parallel hardware",
            make: { VGG16() }),
        Entry(
            name: "inception10", displayName: "Inception10", year: 2014, depth: 10,
            idea: "kernels of several sizes in one layer, 1x1 convolutions to cut channels, batch normalisation",
            make: { Inception10(numBlocks: 2, numClasses: 10) }),
        Entry(
            name: "resnet18", displayName: "ResNet18", year: 2015, depth: 18,
            idea: "residual skip connections: no degradation as the network deepens, so it can go much deeper",
            make: { ResNet18(blockList: [2, 2, 2, 2]) }),
    ]

    /// The command-line names, in order.
    public static var names: [String] { all.map(\.name) }

    /// The entry for a command-line name (`resnet18`) or display name (`ResNet18`);
    /// an unknown name throws, listing the known ones.
    public static func entry(named name: String) throws -> Entry {
        let key = name.lowercased()
        guard let entry = all.first(where: { $0.name == key || $0.displayName.lowercased() == key }) else {
            throw SwiftCNNError("unknown model '\(name)'; known: \(names.joined(separator: ", "))")
        }
        return entry
    }

    /// A fresh, unbuilt model by name.
    public static func make(_ name: String) throws -> Model {
        try entry(named: name).make()
    }
}
