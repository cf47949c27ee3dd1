import Foundation
import Testing

@testable import SwiftCNN

/// Training images decoded while training runs give exactly what decoding them all first
/// gives: the same batches, the same weights after `fit` with a seed, also when a run is
/// interrupted and resumed; only the images asked for are decoded; a file that fails to
/// decode mid-epoch stops `fit` with one line naming it.
@Suite struct StreamingImagesTests {
    /// `perClass` images of assorted sizes per class, PNG and JPEG, in `dir`/<class>/.
    static func writeFolder(_ dir: String, classes: [String] = ["ant", "bee", "cow"], perClass: Int = 12) throws {
        var random = RandomGenerator(seed: 21)
        for (label, name) in classes.enumerated() {
            try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true)
            for i in 0..<perClass {
                let (w, h) = (6 + Int(random.next() % 9), 6 + Int(random.next() % 9))
                let pixels = (0..<(w * h * 3)).map { _ in UInt8(label * 70 + Int(random.next() % 60)) }
                let image = PixelImage(width: w, height: h, channels: 3, pixels: pixels)
                let path = "\(dir)/\(name)/\(i)." + (i % 3 == 0 ? "jpg" : "png")
                try writeDataTestFile(i % 3 == 0 ? JPEG.encode(image) : PNG.encode(image), path)
            }
        }
    }

    static func dataset(_ dir: String) -> FolderDataset {
        var dataset = FolderDataset(directory: dir)
        dataset.validationSplit = 0.25
        dataset.seed = 5
        dataset.folder = ImageFolder(imageSize: (8, 8))
        return dataset
    }

    static func baseline() throws -> Model {
        let model = Baseline()
        model.seed = 17
        try model.build(inputShape: [8, 8, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        return model
    }

    /// The pass before training reads every file once: it decodes the plain RGB PNGs that
    /// already have the image size (into the bytes decoding them later gives) and only
    /// checks the rest (JPEGs, other sizes, grayscale PNGs), which training decodes.
    @Test func thePassBeforeTrainingDecodesPlainPNGsOfTheImageSize() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var random = RandomGenerator(seed: 8)
        var plain: Set<String> = []
        for (n, name) in ["a", "b"].enumerated() {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(name)", withIntermediateDirectories: true)
            for i in 0..<10 {
                let side = i % 2 == 0 ? 8 : 9
                let channels = i == 3 ? 1 : 3
                let pixels = (0..<(side * side * channels)).map { _ in UInt8(n * 90 + Int(random.next() % 120)) }
                let image = PixelImage(width: side, height: side, channels: channels, pixels: pixels)
                let path = "\(dir)/\(name)/\(i)." + (i == 4 ? "jpg" : "png")
                try writeDataTestFile(i == 4 ? JPEG.encode(image) : PNG.encode(image), path)
                if i % 2 == 0 && i != 4 { plain.insert(path) }
            }
        }
        var dataset = FolderDataset(directory: dir)
        dataset.folder = ImageFolder(imageSize: (8, 8))
        let files = try ImageFiles.inferred(directory: dir)
        let images = try StreamingImages(files: files, folder: dataset.folder)
        try StreamingImages.checkAndDecode([images])
        #expect(images.decodedCount == plain.count)
        let whole = try dataset.folder.load(files)
        let pass = try images.checkedBatch(Array(0..<files.paths.count))
        #expect(pass.images.scalars == whole.batch(Array(0..<files.paths.count)).images.scalars)
        #expect(images.decodedCount == files.paths.count)
    }

    @Test func batchesAreThoseOfDecodingEverythingFirst() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeFolder(dir)
        let dataset = Self.dataset(dir)
        let (whole, wholeTest) = try dataset.loadSplits()
        let (streamed, streamedTest) = try dataset.streamingSplits()
        #expect(streamed.files == (try dataset.files(.train)))
        #expect(streamed.count == whole.count && streamed.classNames == whole.classNames && streamed.imageShape == whole.imageShape)
        #expect(streamedTest.pixels == wholeTest.pixels && streamedTest.labels == wholeTest.labels)
        // No file here is a PNG of 8×8 already, which the pass before training would decode.
        #expect(streamed.decodedCount == 0, "nothing is decoded before training")
        var random = RandomGenerator(seed: 3)
        var order = Array(0..<whole.count)
        order.shuffle(using: &random)
        for start in stride(from: 0, to: order.count, by: 5) {
            let indices = Array(order[start..<min(start + 5, order.count)])
            let (a, b) = (try streamed.checkedBatch(indices), whole.batch(indices))
            #expect(a.images.scalars == b.images.scalars && a.labels.scalars == b.labels.scalars, "batch at \(start)")
            #expect(streamed.decodedCount == min(start + 5, order.count), "only the batches asked for are decoded")
        }
        let again = try streamed.checkedBatch([4, 4, 0])
        #expect(again.images.scalars == whole.batch([4, 4, 0]).images.scalars)
        #expect(try streamed.decodedAll().pixels == whole.pixels)
    }

    /// `fit` with a seed trains to the same weights on both paths, for a whole run and for
    /// one interrupted after a few steps and resumed on a fresh source (a new process).
    @Test func fitAndResumeMatchDecodingEverythingFirst() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeFolder(dir)
        let dataset = Self.dataset(dir)
        let (whole, test) = try dataset.loadSplits()
        let validation = (test.dataset.images, test.dataset.labels)

        let reference = try Self.baseline()
        let expected = try reference.fit(whole, batchSize: 4, epochs: 2, validationData: validation, verbose: false)
        let streamed = try Self.baseline()
        let history = try streamed.fit(try dataset.streamingSplits().train, batchSize: 4, epochs: 2, validationData: validation, verbose: false)
        #expect(streamed.weights.map(\.value.scalars) == reference.weights.map(\.value.scalars))
        #expect(history.history == expected.history)

        func interruptedThenResumed(_ make: () throws -> any BatchSource) throws -> [[Float]] {
            let model = try Self.baseline()
            let flag = InterruptFlag()
            let first = try model.fit(
                make(), batchSize: 4, epochs: 2, callbacks: [CourseTrainingTests.InterruptAfter(flag, batches: 3), ResumeCallback(interruption: flag)],
                verbose: false)
            let progress = try #require(first.interruption)
            try model.fit(make(), batchSize: 4, epochs: 2, initialEpoch: progress.epoch,
                callbacks: [ResumeCallback(resumingAt: progress)], verbose: false)
            return model.weights.map(\.value.scalars)
        }
        let resumedWhole = try interruptedThenResumed { whole }
        let resumedStreamed = try interruptedThenResumed { try dataset.streamingSplits().train }
        #expect(resumedStreamed == resumedWhole)
    }

    /// A file that passes the check but not the decoder fails the step that needs it:
    /// `fit` throws one line naming the file, and nothing traps.
    @Test func aFileThatFailsMidEpochStopsFitWithItsName() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeFolder(dir, classes: ["a", "b"], perClass: 8)
        let garbage = ImageFileCheckTests.signature + ImageFileCheckTests.header(4, 4)
            + ImageFileCheckTests.chunk("IDAT", Array(repeating: 0xAB, count: 40)) + ImageFileCheckTests.chunk("IEND", [])
        try writeDataTestFile(garbage, dir + "/b/5.png")
        let folder = ImageFolder(imageSize: (8, 8))
        let files = try ImageFiles.inferred(directory: dir)
        try ImageFileCheck.checkAll(files.paths)
        let source = try StreamingImages(files: files, folder: folder)
        let bad = try #require(files.paths.firstIndex(of: dir + "/b/5.png"))
        let message = thrownMessage { _ = try source.checkedBatch([0, bad, 1]) }
        #expect(message.hasPrefix("\(dir)/b/5.png: "), "\(message)")
        #expect(message.hasSuffix("(found while decoding for training, though it passed the check before)"), "\(message)")
        #expect(!message.contains("\n"))
        #expect(source.decodedCount == 2, "the good images of the batch are kept")
        #expect(thrownMessage { _ = try source.checkedBatch([bad]) } == message, "a failed image is tried again, not served as zeros")

        let model = try Self.baseline()
        let error = try #require(throws: SwiftCNNError.self) {
            try model.fit(try StreamingImages(files: files, folder: folder), batchSize: 4, epochs: 2, verbose: false)
        }
        #expect(error.message == message)
        #expect(BatchFailure.take() == nil, "nothing is left for this thread")
    }
}
