import Foundation
import Testing

@testable import SwiftCNN

/// `swiftcnn train --data DIR` decodes a folder's training images while the first epoch
/// trains: it trains exactly as the same images in a CIFAR-10 binary do, lists the bad
/// files of both splits before training, and stops with one line naming a file that
/// passed that check but fails to decode mid-epoch.
@Suite(.serialized) struct FolderStreamingCLITests {
    let training = ["--model", "baseline", "--epochs", "2", "--batch-size", "8", "--seed", "3"]

    /// The 32×32 RGB image `index` (label `index % 10`), different for every index.
    static func image(_ index: Int) -> PixelImage {
        var random = RandomGenerator(seed: UInt64(index) + 100)
        let base = (index % 10) * 20
        return PixelImage(width: 32, height: 32, channels: 3, pixels: (0..<3072).map { _ in UInt8(base + Int(random.next() % 50)) })
    }

    /// CIFAR-10's record: the label, then the red, green and blue planes.
    static func record(_ image: PixelImage, label: Int) -> [UInt8] {
        [UInt8(label)] + (0..<3).flatMap { c in (0..<1024).map { image.pixels[3 * $0 + c] } }
    }

    /// The same PNG images as `set/train/<label>/`, `set/test/<label>/` and as a CIFAR-10
    /// binary in `bin/`, its records in the order the folder dataset lists the files.
    static func writeBothForms(in dir: String, seed: UInt32) throws {
        for (split, range) in [("train", 0..<30), ("test", 30..<40)] {
            for index in range {
                let folder = "\(dir)/set/\(split)/\(index % 10)"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try PNG.write(image(index), to: "\(folder)/\(index).png")
            }
        }
        var dataset = FolderDataset(directory: dir + "/set")
        dataset.seed = seed
        try FileManager.default.createDirectory(atPath: dir + "/bin", withIntermediateDirectories: true)
        func records(_ files: ImageFiles) throws -> [[UInt8]] {
            try zip(files.paths, files.labels).map { path, label in record(try PNG.read(path), label: label) }
        }
        let train = try records(dataset.files(.train))
        for batch in 0..<5 {
            try writeDataTestFile(train[(batch * 6)..<(batch * 6 + 6)].flatMap { $0 }, "\(dir)/bin/data_batch_\(batch + 1).bin")
        }
        try writeDataTestFile(try records(dataset.files(.test)).flatMap { $0 }, dir + "/bin/test_batch.bin")
    }

    @Test func aFolderTrainsExactlyAsTheSameImagesInACIFARBinary() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeBothForms(in: dir, seed: 3)
        try FileManager.default.createDirectory(atPath: dir + "/a", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/b", withIntermediateDirectories: true)
        let folder = try CLIRunner.run(["train"] + training + ["--data", "../set"], in: dir + "/a")
        #expect(folder.status == 0, "\(folder.stderr)")
        #expect(folder.stdout.contains("Found 30 files belonging to 10 classes."), "\(folder.stdout)")
        let binary = try CLIRunner.run(["train"] + training + ["--data", "../bin"], in: dir + "/b")
        #expect(binary.status == 0, "\(binary.stderr)")
        let (a, b) = (try String(contentsOfFile: dir + "/a/history.csv", encoding: .utf8), try String(contentsOfFile: dir + "/b/history.csv", encoding: .utf8))
        #expect(a.split(separator: "\n").count == 3, "\(a)")
        #expect(a == b)
    }

    @Test func badFilesOfBothSplitsAreListedBeforeTraining() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeBothForms(in: dir, seed: 3)
        let good = try PNG.encode(Self.image(0))
        var corrupt = good
        corrupt[good.count / 2] ^= 0x10
        try writeDataTestFile(corrupt, dir + "/set/train/4/4.png")
        try writeDataTestFile(Array(good.prefix(good.count - 30)), dir + "/set/test/7/37.png")
        let result = try CLIRunner.run(["train"] + training + ["--data", "set"], in: dir)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stderr)")
        #expect(lines.first == "Error: 2 of 40 image files cannot be read:", "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("set/train/4/4.png: not a valid PNG (chunk IDAT at byte ") && $0.hasSuffix("has a bad CRC (corrupt data))") }, "\(result.stderr)")
        #expect(lines.contains("set/test/7/37.png: not a valid PNG (file ends before IEND (truncated))") || lines.contains { $0.hasPrefix("set/test/7/37.png: not a valid PNG (chunk ") }, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/checkpoint"))
        #expect(!result.stdout.contains("Epoch 1/"), "\(result.stdout)")
    }

    @Test func aFileThatFailsToDecodeMidEpochStopsTrainingWithOneLine() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeBothForms(in: dir, seed: 3)
        // Sound chunks, CRCs right, but the compressed data is not zlib.
        let garbage = ImageFileCheckTests.signature + ImageFileCheckTests.header(32, 32)
            + ImageFileCheckTests.chunk("IDAT", Array(repeating: 0xAB, count: 400)) + ImageFileCheckTests.chunk("IEND", [])
        try writeDataTestFile(garbage, dir + "/set/train/5/15.png")
        let result = try CLIRunner.run(["train"] + training + ["--data", "set"], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("Error: set/train/5/15.png: "), "\(result.stderr)")
        #expect(result.stderr.hasSuffix(" (found while decoding for training, though it passed the check before)\n"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    /// `swiftcnn bench --decode DIR` times the check, the whole decode and the pass before
    /// training, and says how many files that pass decoded: the 40 PNGs already 32×32, not
    /// the JPEG (checked only, decoded while training runs).
    @Test func benchDecodeReportsThePassBeforeTraining() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeBothForms(in: dir, seed: 4)
        try writeDataTestFile(try JPEG.encode(Self.image(40)), dir + "/set/train/0/40.jpg")
        let result = try CLIRunner.run(["bench", "--model", "baseline", "--decode", "set"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(result.stdout)")
        #expect(lines.first?.hasPrefix("checked 41 files in ") == true, "\(result.stdout)")
        #expect(lines.dropFirst().first?.hasPrefix("decoded 41 images in ") == true, "\(result.stdout)")
        #expect(lines.last?.hasPrefix("the pass before training: 41 files in ") == true, "\(result.stdout)")
        #expect(lines.last?.hasSuffix(", 40 of them decoded then (plain PNGs of the image size)") == true, "\(result.stdout)")
    }
}
