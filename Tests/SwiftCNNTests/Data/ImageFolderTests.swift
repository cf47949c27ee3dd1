import Foundation
import Testing

@testable import SwiftCNN

/// Folder datasets against Keras's `image_dataset_from_directory` on a folder of every
/// colour type (Tools/make_folder_fixtures.py): class names, which files each
/// `validation_split` subset holds and in what order, labels, and pixels.
@Suite struct ImageFolderTests {
    struct Fixture: Decodable {
        struct File: Decodable {
            let label: Int
            let shape: [Int]
            let pixels: [Float]
        }
        struct Case: Decodable {
            let name: String
            let validation_split: Double
            let seed: UInt32
            let image_size: [Int]
            let color_mode: String?
            let crop_to_aspect_ratio: Bool?
            let class_names: [String]
            let subsets: [String: [String]]
            let files: [String: File]
        }
        let cases: [Case]
    }

    static var folders: URL {
        get throws { try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("folders") }
    }

    static func fixture() throws -> Fixture {
        try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: folders.appendingPathComponent("keras_folder.json")))
    }

    @Test func theSplitAndThePixelsAreKeras() throws {
        let root = try Self.folders.appendingPathComponent("colours").path
        for item in try Self.fixture().cases {
            var dataset = FolderDataset(directory: root)
            dataset.validationSplit = item.validation_split
            dataset.seed = item.seed
            dataset.folder = ImageFolder(
                imageSize: (item.image_size[0], item.image_size[1]),
                colorMode: item.color_mode == "grayscale" ? .grayscale : .rgb, cropToAspectRatio: item.crop_to_aspect_ratio ?? false)
            for (split, subset) in [(DatasetSplit.train, "training"), (.test, "validation")] {
                let files = try dataset.files(split)
                #expect(files.classNames == item.class_names)
                let relative = files.paths.map { String($0.dropFirst(root.count + 1)) }
                #expect(relative == item.subsets[subset], "\(item.name) \(subset)")
                let images = try dataset.folder.load(files)
                let per = images.imageShape.reduce(1, *)
                for (row, name) in relative.enumerated() {
                    let expected = try #require(item.files[name])
                    #expect(images.labels[row] == Int32(expected.label), "\(name)")
                    #expect(images.imageShape == expected.shape, "\(name)")
                    // 8-bit storage rounds Keras's float pixels (at most 0.5). A JPEG in
                    // grayscale mode is libjpeg's luma for TensorFlow, the luma of the RGB
                    // here (a level or two apart).
                    let grayJPEG = item.color_mode == "grayscale" && !name.lowercased().hasSuffix(".png")
                    let tolerance: Float = grayJPEG ? 2.51 : 0.51
                    let ours = images.pixels[(row * per)..<((row + 1) * per)].map(Float.init)
                    let worst = zip(ours, expected.pixels).map { abs($0 - $1) }.max() ?? 0
                    #expect(worst <= tolerance, "\(item.name) \(name): off by \(worst)")
                }
            }
        }
    }

    @Test func numpyShuffleIsNumpys() {
        // np.random.RandomState(seed).shuffle(list(range(n))), printed by NumPy 1.26.
        #expect(NumpyShuffle.permutation(count: 10, seed: 0) == [2, 8, 4, 9, 1, 6, 7, 3, 0, 5])
        #expect(NumpyShuffle.permutation(count: 7, seed: 1337) == [6, 2, 1, 3, 0, 4, 5])
        #expect(Array(NumpyShuffle.permutation(count: 100, seed: 42).prefix(12)) == [83, 53, 70, 45, 44, 39, 22, 80, 10, 0, 18, 30])
        #expect(NumpyShuffle.permutation(count: 1, seed: 5) == [0])
    }

    /// A CMYK JPEG, which TensorFlow cannot decode as RGB either, gets one clear line.
    @Test func aCMYKJPEGIsRefusedWithOneLine() throws {
        let path = try Self.folders.appendingPathComponent("cmyk.jpg").path
        #expect(throws: SwiftCNNError("\(path): not a valid JPEG (4 color components; only gray and RGB/YCbCr are supported)")) {
            try ImageDecoder.read(path)
        }
    }

    @Test func labelsFilesAreParsedOrRefusedByLine() throws {
        let entries = try ImageFiles.parseLabels("0_5.jpg 5\r\n\nmy cat.png\t3\n", file: "train.txt")
        #expect(entries.map(\.name) == ["0_5.jpg", "my cat.png"])
        #expect(entries.map(\.label) == [5, 3])
        for (text, message) in [
            ("a.jpg\n", "train.txt:1: expected `filename label`, got 'a.jpg'"),
            ("a.jpg 1\nb.jpg cat\n", "train.txt:2: label 'cat' is not a whole number from 0"),
            ("a.jpg -1\n", "train.txt:1: label '-1' is not a whole number from 0"),
            ("../a.jpg 1\n", "train.txt:1: '../a.jpg' is not a file name inside the image folder"),
        ] {
            #expect(throws: SwiftCNNError(message)) { try ImageFiles.parseLabels(text, file: "train.txt") }
        }
    }

    @Test func badFolderContentsAreNamed() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(throws: SwiftCNNError("\(dir): no class folders (expected one subfolder per class, e.g. \(dir)/cat/*.jpg)")) {
            try ImageFiles.inferred(directory: dir)
        }
        for name in ["cat", "dog"] { try FileManager.default.createDirectory(atPath: dir + "/" + name, withIntermediateDirectories: true) }
        try PNG.write(PixelImage(width: 2, height: 2, channels: 3, pixels: Array(repeating: 9, count: 12)), to: dir + "/cat/ok.png")
        #expect(throws: SwiftCNNError("\(dir)/dog: class folder has no images (.png, .jpg or .jpeg files)")) {
            try ImageFiles.inferred(directory: dir)
        }
        let good = try PNG.encode(PixelImage(width: 4, height: 4, channels: 3, pixels: Array(repeating: 100, count: 48)))
        try Data(good.prefix(good.count - 20)).write(to: URL(fileURLWithPath: dir + "/dog/truncated.png"))
        try Data("hello".utf8).write(to: URL(fileURLWithPath: dir + "/dog/text.jpg"))
        try Data().write(to: URL(fileURLWithPath: dir + "/dog/empty.jpeg"))
        try Data("GIF89a".utf8).write(to: URL(fileURLWithPath: dir + "/dog/anim.gif"))
        let files = try ImageFiles.inferred(directory: dir)
        #expect(files.paths.count == 5)
        var folder = ImageFolder()
        let error = try #require(throws: SwiftCNNError.self) { try folder.load(files) }
        let lines = error.message.split(separator: "\n").map(String.init)
        #expect(lines.first == "4 of 5 image files cannot be read:")
        #expect(lines.count == 5, "\(error.message)")
        #expect(lines.contains("\(dir)/dog/anim.gif: GIF images are not supported (convert it to PNG)"))
        #expect(lines.contains("\(dir)/dog/empty.jpeg: empty file"))
        #expect(lines.contains("\(dir)/dog/text.jpg: not a PNG or JPEG file"))
        #expect(lines.contains { $0.hasPrefix("\(dir)/dog/truncated.png: ") }, "\(lines)")
        folder.maxReported = 2
        let short = try #require(throws: SwiftCNNError.self) { try folder.load(files) }
        #expect(short.message.split(separator: "\n").count == 4)
        #expect(short.message.hasSuffix("\n… and 2 more"))
    }

    /// 8-bit storage converts to the values the Float path gives, one batch at a time.
    @Test func byteImagesConvertPerBatch() throws {
        let images = try ByteImages(pixels: [0, 51, 255, 128, 1, 2], labels: [1, 0], imageShape: [1, 1, 3], classNames: ["a", "b"])
        let (x, y) = images.batch([1, 0])
        #expect(x.shape == [2, 1, 1, 3])
        #expect(x.scalars == [128, 1, 2, 0, 51, 255].map { Float($0) / 255 })
        #expect(y.scalars == [0, 1])
        #expect(images.dataset.images.scalars == [0, 51, 255, 128, 1, 2].map { Float($0) / 255 })
        #expect(throws: SwiftCNNError.self) { try ByteImages(pixels: [1, 2], labels: [0], imageShape: [1, 1, 3], classNames: []) }
    }

    /// An image already of `--image-size` is copied, not resized: the same bytes the
    /// bilinear resize gives (it samples each pixel at its own centre).
    @Test func anImageOfTheTargetSizeIsCopiedAsTheResizeWouldGive() throws {
        var random = RandomGenerator(seed: 8)
        for (mode, size) in [(ImageFolder.ColorMode.rgb, (7, 5)), (.grayscale, (4, 9))] {
            let image = PixelImage(width: size.1, height: size.0, channels: 3, pixels: (0..<(size.0 * size.1 * 3)).map { _ in UInt8(random.next() % 256) })
            let folder = ImageFolder(imageSize: size, colorMode: mode)
            var copied = [UInt8](repeating: 0, count: size.0 * size.1 * mode.channels)
            try copied.withUnsafeMutableBufferPointer { try folder.resize(image, into: $0.baseAddress!) }
            // In grayscale the copied bytes are the luma: resized at their own size they
            // must come back unchanged.
            let source = mode == .rgb ? image : PixelImage(width: image.width, height: image.height, channels: 1, pixels: copied)
            let resized = try ImageResize.modelInput(source, height: size.0, width: size.1, channels: mode.channels)
            #expect(resized.scalars.map { UInt8(($0 * 255).rounded()) } == copied, "\(mode)")
            if mode == .rgb { #expect(copied == image.pixels) }
        }
    }
}
