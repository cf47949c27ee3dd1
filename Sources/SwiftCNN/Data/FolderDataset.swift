import Foundation

/// A dataset of the user's own images, found by its layout:
/// - `DIR/train/<class>/…` with `DIR/test/<class>/…` (or `DIR/validation/`): the two splits;
/// - `DIR/<class>/…`: one set, split by ``validationSplit`` as Keras's
///   `validation_split`/`subset` with the same seed;
/// - `DIR` of images with a labels file of `filename label` lines (the course's
///   home-made dataset), with its own test folder and labels file or a validation split.
///
/// ```swift
/// var flowers = FolderDataset(directory: "flowers")
/// flowers.validationSplit = 0.2
/// let train = try flowers.load(.train)          // ByteImages, 8 bits per channel
/// let test = try flowers.load(.test).dataset    // Float, for validation
/// ```
public struct FolderDataset: Sendable {
    public var directory: String
    /// The course's format: a text file of `filename label` lines for `directory`.
    public var labelsFile: String?
    /// The course's format: the test images and their labels file.
    public var testDirectory: String?
    public var testLabelsFile: String?
    /// The fraction of a single folder held out as the test (validation) split.
    public var validationSplit: Double?
    /// Keras's `seed`: the shuffle that chooses the validation files.
    public var seed: UInt32 = 0
    /// Decoding: size, colour mode, crop.
    public var folder = ImageFolder()
    /// Keras's "Found N files belonging to K classes." and "Using N files for training.".
    public var log: @Sendable (String) -> Void = { _ in }

    public init(directory: String) { self.directory = directory }

    /// Whether `directory` looks like a folder dataset: `train/` with `test/` or
    /// `validation/`, or at least one subfolder holding an image file at its top.
    public static func recognises(_ directory: String) -> Bool {
        if splitFolders(directory) != nil { return true }
        guard let classes = try? ImageFiles.subfolders(of: directory) else { return false }
        return classes.contains { name in
            let folder = (directory as NSString).appendingPathComponent(name)
            return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains(where: ImageFiles.isImageName)
        }
    }

    /// `DIR/train` and `DIR/test` (else `DIR/validation`) when both are folders.
    public static func splitFolders(_ directory: String) -> (train: String, test: String)? {
        func folder(_ name: String) -> String? {
            let path = (directory as NSString).appendingPathComponent(name)
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && isFolder.boolValue ? path : nil
        }
        guard let train = folder("train"), let test = folder("test") ?? folder("validation") else { return nil }
        return (train, test)
    }

    /// The files of `split`, in the order Keras gives them.
    public func files(_ split: DatasetSplit) throws -> ImageFiles {
        if let labelsFile {
            if let testDirectory, let testLabelsFile, validationSplit == nil {
                return try split == .train
                    ? shuffled(ImageFiles.labelled(directory: directory, labelsFile: labelsFile))
                    : ImageFiles.labelled(directory: testDirectory, labelsFile: testLabelsFile)
            }
            return try held(ImageFiles.labelled(directory: directory, labelsFile: labelsFile), split, "--labels \(labelsFile)")
        }
        if let (train, test) = Self.splitFolders(directory) {
            guard validationSplit == nil else {
                throw SwiftCNNError("\(directory) has train/ and test/ folders: --validation-split is for a single folder of classes")
            }
            if split == .train {
                let files = try ImageFiles.inferred(directory: train)
                log("Found \(files.paths.count) files belonging to \(files.classNames.count) classes.")
                return shuffled(files)
            }
            let files = try ImageFiles.inferred(directory: test)
            let trainClasses = try ImageFiles.subfolders(of: train)
            guard files.classNames == trainClasses else {
                throw SwiftCNNError(
                    "\(test): its classes (\(files.classNames.joined(separator: ", "))) differ from \(train)'s (\(trainClasses.joined(separator: ", ")))")
            }
            return files
        }
        let files = try ImageFiles.inferred(directory: directory)
        log("Found \(files.paths.count) files belonging to \(files.classNames.count) classes.")
        return try held(files, split, directory)
    }

    /// Decodes `split` (its first `limit` files when given).
    public func load(_ split: DatasetSplit, limit: Int? = nil) throws -> ByteImages {
        var files = try files(split)
        if let limit, limit < files.paths.count {
            files = files.picking(Array(0..<max(0, limit)))
        }
        return try folder.load(files)
    }

    /// Both splits, decoded together so that every bad file of either is listed in one
    /// error before training. The test split, when limited, is a fixed random sample (as
    /// the course datasets' test splits are, some copies being grouped by class).
    public func loadSplits(trainLimit: Int? = nil, testLimit: Int? = nil) throws -> (train: ByteImages, test: ByteImages) {
        var train = try files(.train)
        if let trainLimit, trainLimit < train.paths.count { train = train.picking(Array(0..<max(0, trainLimit))) }
        let test = try testFiles(limit: testLimit)
        let both = ImageFiles(paths: train.paths + test.paths, labels: train.labels + test.labels, classNames: train.classNames)
        let images = try folder.load(both)
        return (images.rows(0..<train.paths.count), images.rows(train.paths.count..<both.paths.count))
    }

    /// Both splits as ``loadSplits(trainLimit:testLimit:)`` makes them (same files, same
    /// order, same pixels), but with the training images decoded while training runs
    /// (``StreamingImages``). Every file of both splits is read once first, on all cores
    /// (``StreamingImages/checkAndDecode(_:maxReported:)``): plain PNGs of the image size
    /// are decoded then, the others checked, so the bad files are still listed in one error
    /// before training; the test split is decoded whole now (validation needs it).
    public func streamingSplits(trainLimit: Int? = nil, testLimit: Int? = nil) throws -> (train: StreamingImages, test: ByteImages) {
        var train = try files(.train)
        if let trainLimit, trainLimit < train.paths.count { train = train.picking(Array(0..<max(0, trainLimit))) }
        let test = try testFiles(limit: testLimit)
        _ = try folder.checkedShape()
        guard !train.paths.isEmpty, !test.paths.isEmpty else { throw SwiftCNNError("no image files") }
        let (streamed, held) = (try StreamingImages(files: train, folder: folder), try StreamingImages(files: test, folder: folder))
        try StreamingImages.checkAndDecode([streamed, held], maxReported: folder.maxReported)
        return (streamed, try held.decodedAll())
    }

    /// The test files, or a fixed random sample of `limit` of them.
    public func testFiles(limit: Int?) throws -> ImageFiles {
        let files = try files(.test)
        guard let limit, limit < files.paths.count else { return files }
        return files.picking(Array(Dataset.shuffledOrder(count: files.paths.count, seed: 0).prefix(max(0, limit))))
    }

    /// Keras's shuffle of the file list with `seed`.
    private func shuffled(_ files: ImageFiles) -> ImageFiles {
        files.picking(NumpyShuffle.permutation(count: files.paths.count, seed: seed))
    }

    /// The training or validation subset of one set.
    private func held(_ files: ImageFiles, _ split: DatasetSplit, _ source: String) throws -> ImageFiles {
        guard let validationSplit else {
            throw SwiftCNNError(
                "\(source): one set of images; give --validation-split 0.2 (with --seed) to hold some out for validation, "
                    + "or make \(directory)/train/<class>/ and \(directory)/test/<class>/")
        }
        let (training, validation) = try files.split(validation: validationSplit, seed: seed)
        if split == .train {
            log("Using \(training.paths.count) files for training.")
            return training
        }
        log("Using \(validation.paths.count) files for validation.")
        return validation
    }
}
