import Foundation
import Testing

@testable import SwiftCNN

@Suite struct IDXTests {
    /// 3 images of 4×5 (pixel i of image n = 10n + i) and labels 7, 0, 9.
    func writeSplit(_ dir: String, split: DatasetSplit, gzip: Bool) throws {
        let stems = IDX.fileStems(for: split)
        var pixels: [UInt8] = []
        for n in 0..<3 { for i in 0..<20 { pixels.append(UInt8(10 * n + i)) } }
        var images = idxBytes(rank: 3, dims: [3, 4, 5], data: pixels)
        var labels = idxBytes(rank: 1, dims: [3], data: [7, 0, 9])
        if gzip {
            images = try Gzip.compress(images)
            labels = try Gzip.compress(labels)
        }
        let suffix = gzip ? ".gz" : ""
        try writeDataTestFile(images, dir + "/" + stems.images + suffix)
        try writeDataTestFile(labels, dir + "/" + stems.labels + suffix)
    }

    @Test(arguments: [false, true]) func loadsPlainAndGzip(gzip: Bool) throws {
        let dir = try makeDataTestDirectory()
        try writeSplit(dir, split: .test, gzip: gzip)
        let data = try IDX.load(split: .test, directory: dir, classNames: IDX.fashionMNISTClassNames)
        #expect(data.images.shape == [3, 4, 5, 1])
        #expect(data.labels.scalars == [7, 0, 9])
        #expect(data.images.scalars[20 + 3] == Float(13) / 255)
        #expect(data.classNames[9] == "Ankle boot")
        let limited = try IDX.load(split: .test, directory: dir, limit: 2)
        #expect(limited.images.shape == [2, 4, 5, 1])
    }

    @Test func wrongMagic() throws {
        let dir = try makeDataTestDirectory()
        let path = dir + "/x"
        try writeDataTestFile(idxBytes(rank: 1, dims: [3], data: [1, 2, 3]), path)
        let message = thrownMessage { _ = try IDX.readImages(path) }
        #expect(message.hasPrefix(path + ": magic number 0x00000801 is not 0x00000803"), "\(message)")
    }

    @Test func dimsDisagreeWithData() throws {
        let dir = try makeDataTestDirectory()
        let path = dir + "/images"
        try writeDataTestFile(idxBytes(rank: 3, dims: [3, 4, 5], data: [UInt8](repeating: 1, count: 50)), path)
        let message = thrownMessage { _ = try IDX.readImages(path) }
        #expect(message.hasPrefix(path + ": header says 3 images of 4×5"), "\(message)")
        #expect(message.contains("image 2 is truncated"), "\(message)")
        try writeDataTestFile(idxBytes(rank: 3, dims: [0x7FFF_FFFF, 0x7FFF_FFFF, 0x7FFF_FFFF], data: []), path)
        let huge = thrownMessage { _ = try IDX.readImages(path) }
        #expect(huge.hasPrefix(path + ": dimensions"), "\(huge)")
    }

    @Test func truncatedHeaderEmptyAndBadLabel() throws {
        let dir = try makeDataTestDirectory()
        let path = dir + "/labels"
        try writeDataTestFile([0, 0, 8, 1, 0], path)
        #expect(
            thrownMessage { _ = try IDX.readLabels(path) }.hasPrefix(path + ": file is 5 bytes, too short")
        )
        try writeDataTestFile([], path)
        #expect(thrownMessage { _ = try IDX.readLabels(path) } == path + ": empty file")
        try writeDataTestFile(idxBytes(rank: 1, dims: [3], data: [1, 10, 2]), path)
        let bad = thrownMessage { _ = try IDX.readLabels(path) }
        #expect(bad.hasPrefix(path + ": label 1 is 10"), "\(bad)")
    }

    @Test func truncatedAndCorruptGzip() throws {
        let dir = try makeDataTestDirectory()
        let path = dir + "/t10k-labels-idx1-ubyte.gz"
        let gz = try Gzip.compress(
            idxBytes(rank: 1, dims: [500], data: [UInt8](repeating: 3, count: 500)))
        try writeDataTestFile(Array(gz.prefix(gz.count / 2)), path)
        let truncated = thrownMessage { _ = try IDX.readLabels(path) }
        #expect(truncated.hasPrefix(path + ": gzip data is truncated"), "\(truncated)")
        var corrupt = gz
        for i in 10..<min(20, corrupt.count) { corrupt[i] ^= 0xFF }
        try writeDataTestFile(corrupt, path)
        let bad = thrownMessage { _ = try IDX.readLabels(path) }
        #expect(bad.hasPrefix(path + ": "), "\(bad)")
        #expect(bad.contains("gzip"), "\(bad)")
    }

    @Test func missingFileNamesTheStem() throws {
        let dir = try makeDataTestDirectory()
        let message = thrownMessage { _ = try IDX.load(split: .train, directory: dir) }
        #expect(message == "\(dir)/train-images-idx3-ubyte[.gz]: no such file")
    }

    static let debianFashion = "/usr/share/datasets/fashion-mnist"

    @Test(
        .enabled(
            if: FileManager.default.fileExists(atPath: debianFashion + "/t10k-images-idx3-ubyte.gz"),
            "Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)"))
    func realFashionMNISTFromDebian() throws {
        let locator = DatasetLocator(
            explicitDirectory: nil, environmentDirectory: nil, cacheRoot: try makeDataTestDirectory(),
            systemDirectories: [.fashionMNIST: [Self.debianFashion]], allowDownload: false)
        let test = try Dataset.load(.fashionMNIST, split: .test, locator: locator)
        #expect(test.images.shape == [10000, 28, 28, 1])
        let labels = test.labels.scalars
        #expect((0..<10).allSatisfy { c in labels.filter { $0 == Float(c) }.count == 1000 })
        let train = try Dataset.load(.fashionMNIST, split: .train, locator: locator, limit: 1000)
        #expect(train.images.shape == [1000, 28, 28, 1])
        #expect(train.images.scalars.allSatisfy { $0 >= 0 && $0 <= 1 })
        // The first training label of Fashion-MNIST is 9 (ankle boot).
        #expect(train.labels.scalars[0] == 9)
    }
}

@Suite struct IDXPairTests {
    @Test func imageAndLabelCountsMustAgreeEvenWithALimit() throws {
        let dir = try makeDataTestDirectory()
        try writeDataTestFile(
            idxBytes(rank: 3, dims: [3, 2, 2], data: [UInt8](repeating: 0, count: 12)), dir + "/i")
        try writeDataTestFile(idxBytes(rank: 1, dims: [2], data: [1, 2]), dir + "/l")
        let message = thrownMessage {
            _ = try IDX.load(imagesAt: dir + "/i", labelsAt: dir + "/l", limit: 1)
        }
        #expect(message == "\(dir)/i: holds 3 images but \(dir)/l holds 2 labels")
    }
}
