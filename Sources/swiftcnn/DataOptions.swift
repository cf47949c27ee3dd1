import ArgumentParser
import Foundation
import SwiftCNN

/// Options that choose a dataset: a course dataset (CIFAR-10, MNIST, Fashion-MNIST) or a
/// folder of the user's own images, recognised by its layout (see `FolderDataset`).
struct DataOptions: ParsableArguments {
    @Option(help: "Dataset: cifar10, mnist or fashion-mnist (a folder of your own images is recognised from --data).")
    var dataset: String = "cifar10"

    @Option(help: "Folder holding the dataset's files, or your images: DIR/<class>/*.jpg, or DIR/train/<class>/ with DIR/test/<class>/ (default: $SWIFTCNN_DATA, then ~/.swiftcnn/datasets).")
    var data: String?

    @Option(help: "A text file of `filename label` lines for the images in --data (the course's home-made dataset).")
    var labels: String?

    @Option(help: "The test images for --labels: a folder, with --test-labels.")
    var testData: String?

    @Option(help: "The `filename label` file of --test-data.")
    var testLabels: String?

    @Option(help: "Hold out this fraction of a single folder as the test split, as Keras's validation_split (with --seed).")
    var validationSplit: Double?

    @Option(help: "Folder images are resized to HEIGHT,WIDTH (bilinear, as Keras's image_size).")
    var imageSize: String = "32,32"

    @Option(help: "Folder images as rgb or grayscale (Keras's color_mode).")
    var colorMode: String = "rgb"

    @Flag(help: "Crop folder images to the aspect ratio of --image-size before resizing, as Keras's crop_to_aspect_ratio.")
    var cropToAspectRatio = false

    @Option(parsing: .unconditional, help: "Seed for weights, shuffling, dropout and the --validation-split.")
    var seed: UInt64 = 0

    func name() throws -> DatasetName {
        guard let name = DatasetName(rawValue: dataset.lowercased()) else {
            throw SwiftCNNError("unknown dataset '\(dataset)'; known: \(DatasetName.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return name
    }

    /// The folder dataset `--data` names, or nil when it is a course dataset's folder.
    func folder(log: @escaping @Sendable (String) -> Void = { _ in }) throws -> FolderDataset? {
        guard let data else {
            if labels != nil { throw SwiftCNNError("--labels needs --data, the folder of the images it names") }
            return nil
        }
        if labels == nil {
            let course = try name()
            if DatasetLocator.holds(course, directory: data) || !FolderDataset.recognises(data) { return nil }
        }
        guard (testData == nil) == (testLabels == nil) else { throw SwiftCNNError("--test-data and --test-labels go together") }
        guard testData == nil || labels != nil else { throw SwiftCNNError("--test-data is for a --labels dataset") }
        var folder = FolderDataset(directory: data)
        (folder.labelsFile, folder.testDirectory, folder.testLabelsFile) = (labels, testData, testLabels)
        folder.validationSplit = validationSplit
        guard seed <= UInt64(UInt32.max) || validationSplit == nil else {
            throw SwiftCNNError("--seed must be below 2^32 with --validation-split (NumPy's seeds are 32-bit), got \(seed)")
        }
        folder.seed = UInt32(truncatingIfNeeded: seed)
        let size = imageSize.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard size.count == 2, let height = size[0], let width = size[1], height > 0, width > 0, height * width <= 1 << 24 else {
            throw SwiftCNNError("--image-size must be HEIGHT,WIDTH like 32,32, got '\(imageSize)'")
        }
        guard let mode = ImageFolder.ColorMode(rawValue: colorMode) else {
            throw SwiftCNNError("--color-mode must be rgb or grayscale, got '\(colorMode)'")
        }
        folder.folder = ImageFolder(imageSize: (height, width), colorMode: mode, cropToAspectRatio: cropToAspectRatio)
        folder.log = log
        return folder
    }

    /// A split as a dataset, limited to `limit` samples. The test split is shuffled first
    /// (with a fixed seed) because some copies of it are grouped by class.
    func load(_ split: DatasetSplit, limit: Int?, option: String = "--limit", log: @escaping @Sendable (String) -> Void = { _ in }) throws -> Dataset {
        try requirePositive(limit, option)
        if let folder = try folder(log: log) {
            if split == .test { return try folder.folder.load(folder.testFiles(limit: limit)).dataset }
            return try folder.load(split, limit: limit).dataset
        }
        guard validationSplit == nil, labels == nil else {
            throw SwiftCNNError("--validation-split and --labels are for folders of images; \(try locatedName()) has its own test split")
        }
        let locator = DatasetLocator(explicitDirectory: data)
        if split == .test, let limit {
            return try Dataset.load(try name(), split: split, locator: locator).shuffled(seed: 0).prefix(limit)
        }
        return try Dataset.load(try name(), split: split, locator: locator, limit: limit)
    }

    /// The training split as batches (a folder's images stay 8-bit until each batch, and are
    /// decoded while the first epoch trains) and the test split; a folder's bad files of
    /// both splits are listed together before training.
    func trainingAndTest(trainLimit: Int?, testLimit: Int?, log: @escaping @Sendable (String) -> Void)
        throws -> (train: any BatchSource, classNames: [String], test: Dataset)
    {
        try requirePositive(trainLimit, "--train-limit")
        try requirePositive(testLimit, "--test-limit")
        if let folder = try folder(log: log) {
            let (train, test) = try folder.streamingSplits(trainLimit: trainLimit, testLimit: testLimit)
            return (train, train.classNames, test.dataset)
        }
        let train = try load(.train, limit: trainLimit, option: "--train-limit")
        return (train.batches, train.classNames, try load(.test, limit: testLimit, option: "--test-limit"))
    }

    private func locatedName() throws -> String { try data ?? name().rawValue }
}
