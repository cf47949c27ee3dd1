import Foundation
import Testing

@testable import SwiftCNN

/// `swiftcnn predict` on image files, as the README shows it: every PNG and JPEG once
/// failed with "shape [1, 32, 3] needs 96 scalars" while all unit tests passed.
@Suite(.serialized) struct PredictCLITests {
    static let data = "/usr/share/datasets/fashion-mnist"
    let common = ["--model", "lenet5", "--dataset", "fashion-mnist", "--data", Self.data]

    /// A tiny trained checkpoint in `dir`.
    private func trainedCheckpoint(in dir: String) throws -> String {
        let train = try CLIRunner.run(
            ["train"] + common + ["--epochs", "1", "--train-limit", "64", "--test-limit", "32"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        return dir + "/checkpoint/LeNet5.ckpt"
    }

    /// The first test image written as a PNG (lossless) gives the probabilities that
    /// `--split test` gives for it, within 1e-5; the same image as JPEG and an RGB PNG of
    /// another size classify too, one line per file, with the class names.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func predictOnFilesMatchesTheSplit() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = try trainedCheckpoint(in: dir)
        let test = try Dataset.load(.fashionMNIST, split: .test, locator: DatasetLocator(explicitDirectory: Self.data), limit: 1)
        let gray = PixelImage(width: 28, height: 28, channels: 1, pixels: test.images.scalars.map { UInt8(($0 * 255).rounded()) })
        try PNG.write(gray, to: dir + "/first.png")
        let rgb = PixelImage(width: 40, height: 20, channels: 3, pixels: (0..<2400).map { UInt8($0 % 251) })
        try PNG.write(rgb, to: dir + "/wide.png")

        let split = try CLIRunner.run(
            ["predict"] + common + ["--weights", weights, "--split", "test", "--limit", "1", "--output", "split.npy"], in: dir)
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.contains("Wrote 1×10 probabilities to split.npy"))
        let files = try CLIRunner.run(
            ["predict"] + common + ["--weights", weights, "--input", "28,28,1", "--output", "files.npy", "first.png", "wide.png"],
            in: dir)
        #expect(files.status == 0, "\(files.stderr)")
        let lines = files.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(files.stdout)")
        #expect(lines.first?.hasPrefix("first.png: ") == true)
        #expect(lines.dropFirst().first?.hasPrefix("wide.png: ") == true)
        let names = DatasetName.fashionMNIST.classNames
        #expect(lines.first.map { line in names.contains { line.contains("\($0) 0.") } } == true, "\(files.stdout)")
        let fromSplit = try NPY.read(dir + "/split.npy")
        let fromFiles = try NPY.read(dir + "/files.npy")
        #expect(fromFiles.shape == [2, 10])
        let first = Array(fromFiles.scalars.prefix(10))
        #expect(zip(first, fromSplit.scalars).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(first) vs \(fromSplit.scalars)")
        #expect(abs(first.reduce(0, +) - 1) < 1e-5)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func aFileThatIsNotAnImageIsNamed() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let weights = try trainedCheckpoint(in: dir)
        try Data("not a picture".utf8).write(to: URL(fileURLWithPath: dir + "/notes.png"))
        let result = try CLIRunner.run(["predict"] + common + ["--weights", weights, "--input", "28,28,1", "notes.png"], in: dir)
        #expect(result.status == 1)
        #expect(result.stderr == "Error: notes.png: not a PNG or JPEG file\n")
    }
}

/// `swiftcnn predict` on image files takes the inference paths: ResNet18's (the blocks one by
/// one, each block's sum and ReLU in place), the fused chains that pool image by image
/// (Baseline's and LeNet5's row kernel, AlexNet8's im2col) and Inception10's branch poolings
/// left to the convolutions after them. The probabilities it writes equal
/// the layer-by-layer forward pass (under a recording tape) of the same checkpoint on the
/// same pixels within 1e-5, with one line per file.
@Suite struct InferencePathPredictCLITests {
    @Test(arguments: ["resnet18", "baseline", "lenet5", "alexnet8", "inception10"])
    func predictOnFilesMatchesTheLayerByLayerPass(_ name: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = try ModelZoo.entry(named: name).make()
        model.seed = 4
        try model.build(inputShape: [32, 32, 3])
        try model.saveWeights(to: dir + "/r.ckpt")
        var pixels: [[UInt8]] = []
        for (index, name) in ["a.png", "b.png"].enumerated() {
            let values = (0..<(32 * 32 * 3)).map { UInt8(($0 * (7 + index * 6) + index * 50) % 256) }
            try PNG.write(PixelImage(width: 32, height: 32, channels: 3, pixels: values), to: dir + "/" + name)
            pixels.append(values)
        }
        let result = try CLIRunner.run(
            ["predict", "--model", name, "--weights", "r.ckpt", "--output", "p.npy", "a.png", "b.png"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("a.png: ") == true && lines.dropFirst().first?.hasPrefix("b.png: ") == true, "\(result.stdout)")
        let written = try NPY.read(dir + "/p.npy")
        #expect(written.shape == [2, 10])
        let x = try Tensor(shape: [2, 32, 32, 3], scalars: pixels.flatMap { $0.map { Float($0) / 255 } })
        let expected = try GradientTape.recording { try model(x, training: false) }
        let deviation = maxAbsDifference(written.scalars, expected.scalars)
        #expect(deviation <= 1e-5, "\(written.scalars) vs \(expected.scalars)")

        // One file is a batch of one, fewer images than threads: each layer splits its
        // filters across the threads, and maps of 8×8 or smaller (ResNet18's last stages,
        // AlexNet8's 5×5 layers) run on the few-rows product (FewRowsGemm.c).
        let single = try CLIRunner.run(
            ["predict", "--model", name, "--weights", "r.ckpt", "--output", "one.npy", "a.png"], in: dir)
        #expect(single.status == 0, "\(single.stderr)")
        // The same top class as a.png's line at batch 2 (its probability may round differently).
        let singleLines = single.stdout.split(separator: "\n").map(String.init)
        func topClass(_ line: String?) -> Substring? { line?.split(separator: " ").dropFirst().first }
        #expect(singleLines.count == 2 && singleLines.first?.hasPrefix("a.png: ") == true, "\(single.stdout)")
        #expect(topClass(singleLines.first) == topClass(lines.first.map(String.init)), "\(single.stdout) vs \(result.stdout)")
        #expect(singleLines.last == "Wrote 1×10 probabilities to one.npy", "\(single.stdout)")
        let one = try NPY.read(dir + "/one.npy")
        #expect(one.shape == [1, 10])
        let first = Array(expected.scalars.prefix(10))
        #expect(maxAbsDifference(one.scalars, first) <= 1e-5, "\(one.scalars) vs \(first)")
    }
}
