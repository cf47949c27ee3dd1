import Foundation
import Testing

@testable import SwiftCNN

/// A user's own images: `swiftcnn train --data DIR` on class folders, on train/test
/// folders and on the course's `filename label` format; `predict` on a photo names the
/// folder's classes without `--data`; bad files are listed before training starts.
@Suite(.serialized) struct FolderDatasetCLITests {
    /// Writes `count` images per class, bright for the first class and dark for the second,
    /// of assorted sizes, as PNG and JPEG.
    static func writeClasses(_ classes: [String], count: Int, in folder: String, seed: UInt64) throws {
        var random = RandomGenerator(seed: seed)
        for (index, name) in classes.enumerated() {
            let dir = folder + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            for i in 0..<count {
                let (w, h) = (24 + Int(random.next() % 20), 24 + Int(random.next() % 20))
                let base = index == 0 ? 200 : 40
                let pixels = (0..<(w * h * 3)).map { _ in UInt8(base + Int(random.next() % 40)) }
                let image = PixelImage(width: w, height: h, channels: 3, pixels: pixels)
                if i % 2 == 0 {
                    try PNG.write(image, to: "\(dir)/\(i).png")
                } else {
                    try Data(JPEG.encode(image)).write(to: URL(fileURLWithPath: "\(dir)/\(i).jpg"))
                }
            }
        }
    }

    let training = ["--model", "baseline", "--epochs", "1", "--batch-size", "8"]

    @Test func classFoldersTrainWithAValidationSplitAndPredictByName() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeClasses(["sunny", "cloudy"], count: 10, in: dir + "/photos", seed: 1)
        try FileManager.default.createDirectory(atPath: dir + "/photos/.thumbnails", withIntermediateDirectories: true)
        let train = ["train"] + training + ["--data", "photos", "--validation-split", "0.2", "--seed", "7"]
        let result = try CLIRunner.run(train, in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(Array(lines.prefix(5)) == [
            "Found 20 files belonging to 2 classes.", "Using 16 files for training.",
            "Found 20 files belonging to 2 classes.", "Using 4 files for validation.",
            "16 training and 4 test images of shape [32, 32, 3]",
        ], "\(result.stdout)")
        let saved = try #require(try CheckpointClasses.read(prefix: dir + "/checkpoint/Baseline.ckpt"))
        #expect(saved == CheckpointClasses(classNames: ["cloudy", "sunny"], imageShape: [32, 32, 3]))

        // A photo of another size, without --data: the checkpoint's class names.
        let photo = PixelImage(width: 50, height: 30, channels: 3, pixels: Array(repeating: 220, count: 4500))
        try Data(JPEG.encode(photo)).write(to: URL(fileURLWithPath: dir + "/photo.jpg"))
        let predicted = try CLIRunner.run(["predict", "--model", "baseline", "--weights", "checkpoint/Baseline.ckpt", "--top", "2", "photo.jpg"], in: dir)
        #expect(predicted.status == 0, "\(predicted.stderr)")
        let line = predicted.stdout.trimmingCharacters(in: .newlines)
        #expect(line.hasPrefix("photo.jpg: "), "\(predicted.stdout)")
        #expect(line.contains("cloudy 0.") || line.contains("cloudy 1."), "\(line)")
        #expect(line.contains("sunny 0.") || line.contains("sunny 1."), "\(line)")

        // evaluate on the same validation files: the same split again.
        let evaluated = try CLIRunner.run(
            ["evaluate", "--model", "baseline", "--weights", "checkpoint/Baseline.ckpt", "--data", "photos", "--validation-split", "0.2", "--seed", "7"], in: dir)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains("4 images - loss: "), "\(evaluated.stdout)")
        let run = try CLIRunner.run(train, in: dir)
        #expect(run.stdout.contains("-------------load the model-----------------"))

        // Another folder's classes: evaluate refuses the checkpoint with one line.
        try Self.writeClasses(["rain", "snow"], count: 2, in: dir + "/weather", seed: 5)
        let other = try CLIRunner.run(
            ["evaluate", "--model", "baseline", "--weights", "checkpoint/Baseline.ckpt", "--data", "weather", "--validation-split", "0.5"], in: dir)
        #expect(other.status == 1)
        #expect(other.stderr == "Error: checkpoint/Baseline.ckpt.classes.json: the checkpoint was trained on the classes cloudy, sunny, the test images have rain, snow\n", "\(other.stderr)")
    }

    @Test func trainAndTestFoldersAndGrayscaleAtAnotherSize() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeClasses(["a", "b"], count: 6, in: dir + "/set/train", seed: 2)
        try Self.writeClasses(["a", "b"], count: 2, in: dir + "/set/test", seed: 3)
        let result = try CLIRunner.run(
            ["train"] + training + ["--model", "lenet5", "--data", "set", "--color-mode", "grayscale", "--image-size", "28,24", "--crop-to-aspect-ratio"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("12 training and 4 test images of shape [28, 24, 1]"), "\(result.stdout)")
        #expect(try CheckpointClasses.read(prefix: dir + "/checkpoint/LeNet5.ckpt")?.imageShape == [28, 24, 1])
        let split = try CLIRunner.run(["predict", "--model", "lenet5", "--weights", "checkpoint/LeNet5.ckpt", "--data", "set", "--color-mode", "grayscale", "--image-size", "28,24", "--crop-to-aspect-ratio", "--split", "test"], in: dir)
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.split(separator: "\n").count == 4, "\(split.stdout)")
        #expect(split.stdout.hasPrefix("#0: "), "\(split.stdout)")
    }

    /// The course's class-4 format: images in a folder, `filename label` lines beside.
    @Test func aLabelsFileDataset() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for (folder, count) in [("mnist_train", 12), ("mnist_test", 4)] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(folder)", withIntermediateDirectories: true)
            var lines = ""
            for i in 0..<count {
                let label = i % 3
                let image = PixelImage(width: 28, height: 28, channels: 1, pixels: Array(repeating: UInt8(60 * label + 10), count: 784))
                try PNG.write(image, to: "\(dir)/\(folder)/\(i)_\(label).png")
                lines += "\(i)_\(label).png \(label)\n"
            }
            try lines.write(toFile: "\(dir)/\(folder).txt", atomically: true, encoding: .utf8)
        }
        let result = try CLIRunner.run(
            ["train"] + training + ["--model", "lenet5", "--data", "mnist_train", "--labels", "mnist_train.txt", "--test-data", "mnist_test", "--test-labels", "mnist_test.txt",
             "--color-mode", "grayscale", "--image-size", "28,28"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("12 training and 4 test images of shape [28, 28, 1]"), "\(result.stdout)")
        #expect(try CheckpointClasses.read(prefix: dir + "/checkpoint/LeNet5.ckpt")?.classNames == ["0", "1", "2"])
        try "0_0.png 0\nmissing.png 1\n".write(toFile: "\(dir)/bad.txt", atomically: true, encoding: .utf8)
        let bad = try CLIRunner.run(
            ["train"] + training + ["--model", "lenet5", "--data", "mnist_train", "--labels", "bad.txt", "--validation-split", "0.5", "--color-mode", "grayscale", "--image-size", "28,28"], in: dir)
        #expect(bad.status == 1)
        #expect(bad.stderr == "Error: 1 of 2 image files cannot be read:\nmnist_train/missing.png: cannot open (No such file or directory)\n", "\(bad.stderr)")
    }

    /// Bad files are listed, each with why, before any training; nothing is written.
    @Test func badFilesAreListedBeforeTraining() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.writeClasses(["cat", "dog"], count: 4, in: dir + "/pets", seed: 4)
        try Data("plain text".utf8).write(to: URL(fileURLWithPath: dir + "/pets/cat/readme.png"))
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: dir + "/pets/dog/1.jpg"))
        try jpeg.prefix(jpeg.count / 3).write(to: URL(fileURLWithPath: dir + "/pets/dog/1.jpg"))
        let result = try CLIRunner.run(["train"] + training + ["--data", "pets", "--validation-split", "0.5"], in: dir)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Error: ") == true && lines.first?.hasSuffix(" image files cannot be read:") == true, "\(result.stderr)")
        #expect(lines.contains("pets/cat/readme.png: not a PNG or JPEG file"), "\(result.stderr)")
        #expect(lines.contains { $0.hasPrefix("pets/dog/1.jpg: ") }, "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/checkpoint"))

        try FileManager.default.createDirectory(atPath: dir + "/pets/empty", withIntermediateDirectories: true)
        let empty = try CLIRunner.run(["train"] + training + ["--data", "pets", "--validation-split", "0.5"], in: dir)
        #expect(empty.stderr == "Error: pets/empty: class folder has no images (.png, .jpg or .jpeg files)\n")
        let noSplit = try CLIRunner.run(["train"] + training + ["--data", dir + "/nothing-here"], in: dir)
        #expect(noSplit.status == 1)
    }
}
