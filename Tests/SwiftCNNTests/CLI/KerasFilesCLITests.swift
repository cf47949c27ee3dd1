import Foundation
import Testing

@testable import SwiftCNN

/// End to end through the built `swiftcnn`: Keras 3's files on every path a user takes
/// (train with a .weights.h5 checkpoint and resume, convert, predict/evaluate/summary
/// from a .keras file, --weights in every format, bad files).
@Suite struct KerasFilesCLITests {
    static func runKerasCLI(_ arguments: [String], in directory: String) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments, in: directory)
    }

    /// A CIFAR-10 folder of random images: 16 records per training batch, 32 test records.
    static func writeTinyCIFAR(_ directory: String) throws {
        var generator = RandomGenerator(seed: 5)
        func records(_ count: Int) -> Data {
            var bytes = [UInt8]()
            for n in 0..<count {
                bytes.append(UInt8(n % 10))
                for _ in 0..<3072 { bytes.append(UInt8(generator.nextUniform() * 255)) }
            }
            return Data(bytes)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for name in CIFAR10.fileNames(for: .train) {
            try records(16).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
        }
        try records(32).write(to: URL(fileURLWithPath: "\(directory)/test_batch.bin"))
    }

    private func expectOneLineError(
        _ result: CLIRunner.Result, naming fragments: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)", sourceLocation: sourceLocation)
        for fragment in fragments {
            #expect(result.stderr.contains(fragment), "\(result.stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func trainsToKeras3FileAndResumes() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Self.writeTinyCIFAR("\(directory)/data")
        let train = [
            "train", "--model", "baseline", "--data", "data", "--epochs", "1", "--batch-size", "16",
            "--checkpoint", "checkpoint/Baseline.weights.h5",
        ]
        let first = try Self.runKerasCLI(train, in: directory)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Wrote checkpoint/Baseline.weights.h5, checkpoint/Baseline.weights.h5.classes.json, weights.txt"))
        #expect(!first.stdout.contains("load the model"))
        let checkpoint = "\(directory)/checkpoint/Baseline.weights.h5"
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/checkpoint/Baseline.weights.h5.index"))
        // Keras 3's layout, with the optimizer after one epoch of 5 steps.
        let listing = try hdf5Listing(readWholeFile(checkpoint))
        #expect(listing.contains("c1/vars/0 float32 [5, 5, 3, 6]"))
        #expect(listing.contains("layers/max_pooling2d/vars/"))
        #expect(listing.contains("optimizer/vars/0 int64 []"))
        let trained = Baseline()
        try trained.build(inputShape: [32, 32, 3])
        trained.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        try trained.loadWeights(from: checkpoint)
        #expect(trained.optimizer?.iterations == 5)

        let second = try Self.runKerasCLI(train, in: directory)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("-------------load the model-----------------"))

        // The checkpoint as a .keras model, used by predict, evaluate and summary.
        let convert = try Self.runKerasCLI(
            ["convert", "--model", "baseline", "checkpoint/Baseline.weights.h5", "out/Baseline.keras"], in: directory)
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stdout.contains("Converted checkpoint/Baseline.weights.h5 to out/Baseline.keras: 10 variables and Adam's state"))
        let fromArchive = try Self.runKerasCLI(
            ["predict", "--model", "out/Baseline.keras", "--split", "test", "--data", "data", "--output", "a.npy"],
            in: directory)
        #expect(fromArchive.status == 0, "\(fromArchive.stderr)")
        let fromWeights = try Self.runKerasCLI(
            [
                "predict", "--model", "baseline", "--weights", "checkpoint/Baseline.weights.h5", "--split", "test",
                "--data", "data", "--output", "b.npy",
            ], in: directory)
        #expect(fromWeights.status == 0, "\(fromWeights.stderr)")
        let (a, b) = (try NPY.read("\(directory)/a.npy"), try NPY.read("\(directory)/b.npy"))
        #expect(a.shape == [32, 10] && a.scalars == b.scalars)
        let evaluate = try Self.runKerasCLI(["evaluate", "--model", "out/Baseline.keras", "--data", "data"], in: directory)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.hasPrefix("32 images - loss: "))
        let summary = try Self.runKerasCLI(["summary", "--model", "out/Baseline.keras"], in: directory)
        #expect(summary.stdout.contains("Total params: 198506"))
        #expect(summary.stdout.contains("conv2d (Conv2D)"))

        // Training goes on from the .keras file, with its Adam state.
        let archived = try KerasModelFile.load("\(directory)/out/Baseline.keras")
        let steps = try #require(archived.optimizer?.iterations)
        let more = try Self.runKerasCLI(
            [
                "train", "--model", "out/Baseline.keras", "--data", "data", "--epochs", "1", "--batch-size", "16",
                "--checkpoint", "more/Baseline.weights.h5",
            ], in: directory)
        #expect(more.status == 0, "\(more.stderr)")
        let continued = Baseline()
        try continued.build(inputShape: [32, 32, 3])
        continued.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        try continued.loadWeights(from: "\(directory)/more/Baseline.weights.h5")
        #expect(continued.optimizer?.iterations == steps + 5)
    }

    @Test func convertsBetweenEveryFormat() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let archive = try Keras3Fixtures.path("sequential.keras")
        var written: [String] = []
        for (from, to) in [
            (archive, "a.weights.h5"), (archive, "b.ckpt"), ("b.ckpt", "c.weights.h5"), ("c.weights.h5", "d.safetensors"),
            ("d.safetensors", "e.ckpt"), ("c.weights.h5", "f.keras"), ("f.keras", "g.weights.h5"),
        ] {
            let arguments = from == archive ? ["convert", from, to] : ["convert", "--model", archive, from, to]
            let result = try Self.runKerasCLI(arguments, in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("Converted \(from) to \(to): 14 variables"), "\(result.stdout)")
            written.append(to)
        }
        // Adam's state survived .keras -> .ckpt -> .weights.h5 (and not safetensors).
        let model = try Keras3Fixtures.built("sequential")
        try model.loadWeights(from: "\(directory)/c.weights.h5")
        #expect(model.optimizer?.iterations == 2)
        #expect(try Keras3Fixtures.predictionDifference(model, "sequential") <= 1e-5)
        let last = try KerasModelFile.load("\(directory)/f.keras")
        #expect(try Keras3Fixtures.predictionDifference(last, "sequential") <= 1e-5)
        for file in ["e.ckpt", "g.weights.h5", "f.keras"] {
            let restored = try Keras3Fixtures.built("sequential")
            try restored.loadWeights(from: "\(directory)/\(file)")
            #expect(try Keras3Fixtures.predictionDifference(restored, "sequential") <= 1e-5, "\(file)")
        }
    }

    @Test func badFilesGiveOneLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = try readWholeFile(Keras3Fixtures.path("sequential.weights.h5"))
        try Data(good.prefix(good.count / 2)).write(to: URL(fileURLWithPath: "\(directory)/cut.weights.h5"))
        try Data("PK\u{3}\u{4}broken".utf8).write(to: URL(fileURLWithPath: "\(directory)/broken.keras"))
        try Data(readWholeFile(Keras3Fixtures.path("resnet18.weights.h5")))
            .write(to: URL(fileURLWithPath: "\(directory)/other.weights.h5"))
        try Self.writeTinyCIFAR("\(directory)/data")
        let archive = try Keras3Fixtures.path("sequential.keras")
        expectOneLineError(
            try Self.runKerasCLI(["convert", "--model", archive, "cut.weights.h5", "x.ckpt"], in: directory),
            naming: ["cut.weights.h5"])
        expectOneLineError(
            try Self.runKerasCLI(["convert", "broken.keras", "x.weights.h5"], in: directory),
            naming: ["broken.keras", "zip archive"])
        expectOneLineError(
            try Self.runKerasCLI(["convert", "--model", archive, "other.weights.h5", "x.ckpt"], in: directory),
            naming: ["other.weights.h5", "a different model?"])
        expectOneLineError(
            try Self.runKerasCLI(["summary", "--model", Keras3Fixtures.path("lists.keras")], in: directory),
            naming: ["lists.keras", "model class 'ListsModel' is not supported"])
        expectOneLineError(
            try Self.runKerasCLI(["convert", "missing.weights.h5", "x.ckpt"], in: directory),
            naming: ["convert needs --model"])
        expectOneLineError(
            try Self.runKerasCLI(["evaluate", "--model", "baseline", "--data", "data"], in: directory),
            naming: ["--weights is required"])
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/x.ckpt.index"))
    }
}
