import Foundation
import Testing

@testable import SwiftCNN

/// Every subcommand as the README shows it, run as the built executable: what each prints
/// and writes, not only its exit status.
@Suite(.serialized) struct SubcommandsCLITests {
    static let data = "/usr/share/datasets/fashion-mnist"
    static let hasData = FileManager.default.fileExists(atPath: data)
    let common = ["--model", "lenet5", "--dataset", "fashion-mnist", "--data", Self.data]

    /// `train` writes the checkpoint, weights.txt, the curves and the history; the same
    /// command again resumes from the checkpoint; `evaluate` and `predict` read it.
    @Test(.enabled(if: Self.hasData, "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func trainResumeEvaluatePredict() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["train"] + common + ["--epochs", "2", "--train-limit", "96", "--test-limit", "32"]
        let first = try CLIRunner.run(train, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("96 training and 32 test images of shape [28, 28, 1]"), "\(first.stdout)")
        #expect(!first.stdout.contains("-------------load the model-----------------"))
        #expect(first.stdout.contains("Epoch 2/2"), "\(first.stdout)")
        #expect(first.stdout.contains("Wrote checkpoint/LeNet5.ckpt.index, checkpoint/LeNet5.ckpt.classes.json, weights.txt, history.csv, curves.png"), "\(first.stdout)")
        for file in ["checkpoint/LeNet5.ckpt.index", "checkpoint/LeNet5.ckpt.data-00000-of-00001", "checkpoint/checkpoint", "weights.txt", "curves.png"] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file) missing")
        }
        let history = try String(contentsOfFile: dir + "/history.csv", encoding: .utf8).split(separator: "\n")
        #expect(history.count == 3, "\(history)")
        #expect(history.first?.contains("val_loss") == true)
        let curves = try PNG.read(dir + "/curves.png")
        #expect(curves.width > 100 && curves.height > 100)

        let resumed = try CLIRunner.run(train, in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("96 training and 32 test images"), "\(resumed.stdout)")
        #expect(resumed.stdout.contains("-------------load the model-----------------"))

        let weights = dir + "/checkpoint/LeNet5.ckpt"
        let evaluated = try CLIRunner.run(["evaluate"] + common + ["--weights", weights, "--limit", "32"], in: dir)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        let line = evaluated.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.hasPrefix("32 images - loss: ") && line.contains(" - sparse_categorical_accuracy: 0."), "\(evaluated.stdout)")
        // The library gives the numbers the command prints.
        let model = try ModelZoo.entry(named: "lenet5").make()
        let test = try Dataset.load(.fashionMNIST, split: .test, locator: DatasetLocator(explicitDirectory: Self.data)).shuffled(seed: 0).prefix(32)
        try model.build(inputShape: test.imageShape)
        try model.loadWeights(weights)
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        let results = try model.evaluate(x: test.images, y: test.labels)
        #expect(line == "32 images - loss: \(String(format: "%.4f", results["loss"]!)) - sparse_categorical_accuracy: \(String(format: "%.4f", results["sparse_categorical_accuracy"]!))")

        // A JPEG of the first test image: lossy, so close to the split's answer, not equal.
        let first28 = try Dataset.load(.fashionMNIST, split: .test, locator: DatasetLocator(explicitDirectory: Self.data), limit: 1)
        let gray = first28.images.scalars.map { UInt8(($0 * 255).rounded()) }
        let rgb = PixelImage(width: 28, height: 28, channels: 3, pixels: gray.flatMap { [$0, $0, $0] })
        try Data(JPEG.encode(rgb, quality: 95)).write(to: URL(fileURLWithPath: dir + "/first.jpg"))
        let split = try CLIRunner.run(["predict"] + common + ["--weights", weights, "--split", "test", "--limit", "1", "--output", "split.npy"], in: dir)
        #expect(split.status == 0, "\(split.stderr)")
        #expect(split.stdout.hasPrefix("#0: "), "\(split.stdout)")
        let jpeg = try CLIRunner.run(["predict"] + common + ["--weights", weights, "--input", "28,28,1", "--top", "2", "--output", "jpeg.npy", "first.jpg"], in: dir)
        #expect(jpeg.status == 0, "\(jpeg.stderr)")
        let lines = jpeg.stdout.split(separator: "\n")
        #expect(lines.count == 2 && lines[0].hasPrefix("first.jpg: "), "\(jpeg.stdout)")
        #expect(lines.first?.split(separator: ",").count == 2, "--top 2 shows two classes: \(jpeg.stdout)")
        let fromSplit = try NPY.read(dir + "/split.npy").scalars
        let fromJPEG = try NPY.read(dir + "/jpeg.npy").scalars
        #expect(fromJPEG.count == 10)
        #expect(zip(fromSplit, fromJPEG).allSatisfy { abs($0 - $1) < 0.05 }, "\(fromSplit) vs \(fromJPEG)")
    }

    @Test func summaryPrintsKerasTable() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(["summary", "--model", "baseline"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let model = try ModelZoo.entry(named: "baseline").make()
        try model.build(inputShape: [32, 32, 3])
        #expect(result.stdout == model.summary() + "\n")
        #expect(result.stdout.contains("Total params: "))
        let details = try CLIRunner.run(["summary", "--model", "lenet5", "--input", "28,28,1", "--details"], in: dir)
        #expect(details.status == 0, "\(details.stderr)")
        #expect(details.stdout.lowercased().contains("receptive"), "\(details.stdout)")
    }

    @Test func modelsListsTheSixNetworks() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(["models"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == ModelZoo.table(try ModelZoo.statistics()) + "\n")
        for name in ["LeNet", "AlexNet", "VGG", "Inception", "ResNet"] {
            #expect(result.stdout.contains(name), "\(name) missing from \(result.stdout)")
        }
    }

    @Test func benchMeasuresAFewSteps() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(["bench", "--model", "lenet5", "--steps", "2", "--warmup", "1", "--batch-size", "8", "--json"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.contains("batch 8: ") && $0.contains(" images/s, ") && $0.contains("ms/step") }, "\(result.stdout)")
        // The summary says which code ran (an AVX2 machine, or OPENBLAS_CORETYPE, changes it).
        #expect(lines.contains { $0.hasSuffix("; kernels \(KernelISA.current), OpenBLAS \(OpenBLASCore.current ?? "?")") }, "\(result.stdout)")
        let json = try #require(lines.last.map { Data($0.utf8) })
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any], "\(result.stdout)")
        #expect(object.keys.contains { $0.lowercased().contains("images") }, "\(object)")
        // Which OpenBLAS kernels ran (benchmarks on machines that override the choice).
        #expect(object["openblas_core"] as? String == OpenBLASCore.current, "\(object)")
        #expect((OpenBLASCore.current ?? "").isEmpty == false)
        // And which copy of SwiftCNN's own kernels (an AVX2-capped build never says avx512f).
        #expect(object["kernel_isa"] as? String == KernelISA.current, "\(object)")
        #expect(["avx512f", "x86-64-v3", "x86-64", "generic"].contains(KernelISA.current))
        let predict = try CLIRunner.run(["bench", "--model", "lenet5", "--mode", "predict", "--steps", "2", "--warmup", "0"], in: dir)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(predict.stdout.contains("images/s"), "\(predict.stdout)")
    }

    /// `bench --profile --peak-gflops`: every weighted layer gets GFLOP/s and a share of the
    /// peak that follow from its FLOPs and its measured time; other layers get neither.
    @Test func benchProfileReportsGFLOPsAgainstThePeak() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(
            ["bench", "--model", "lenet5", "--steps", "2", "--warmup", "1", "--batch-size", "4", "--profile", "--peak-gflops", "100"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("fwd GFLOP/s") == true && lines.first?.contains("of peak") == true, "\(result.stdout)")
        // LeNet5's conv2d: 5×5×3 → 6 on 28×28 outputs, 2 FLOPs per multiply-add, 4 images.
        let flops = 2.0 * 5 * 5 * 3 * 6 * 28 * 28 * 4
        let conv = try #require(lines.first { $0.hasPrefix("conv2d (Conv2D)") }, "\(result.stdout)")
        let fields = conv.dropFirst("conv2d (Conv2D)".count).split(separator: " ").map(String.init)
        let forwardMs = try #require(Double(fields[0])), forwardRate = try #require(Double(fields[3]))
        #expect(abs(forwardRate - flops / (forwardMs * 1e-3) / 1e9) <= 0.06 * forwardRate + 0.1, "\(conv)")
        #expect(fields.last?.hasSuffix("%") == true, "\(conv)")
        let pool = try #require(lines.first { $0.hasPrefix("max_pooling2d (MaxPooling2D)") }, "\(result.stdout)")
        #expect(pool.split(separator: " ").count == 5, "\(pool)")
    }

    /// `bench --count-allocations`: without the counter preloaded, one line saying how to
    /// build and preload it and a non-zero exit; with Tools/malloc-count built by the C
    /// compiler and preloaded, a count per step in the text and in the JSON line (this
    /// debug build allocates, so only the reporting is checked; `Tools/bench/allocations.sh`
    /// checks the release build's zero).
    @Test func benchCountsAllocationsWithTheCounterPreloaded() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let arguments = ["bench", "--model", "baseline", "--steps", "2", "--warmup", "1", "--batch-size", "4", "--count-allocations"]
        let missing = try CLIRunner.run(arguments, in: dir)
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("needs the counter preloaded") && missing.stderr.contains("LD_PRELOAD"), "\(missing.stderr)")
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../Tools/malloc-count/malloc_count.c").standardizedFileURL.path
        let library = dir + "/libmalloc_count.so"
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = ["cc", "-O2", "-shared", "-fPIC", "-o", library, source, "-ldl"]
        try compiler.run()
        compiler.waitUntilExit()
        try #require(compiler.terminationStatus == 0, "cc could not build \(source)")
        let counted = try CLIRunner.run(arguments + ["--json"], in: dir, environment: ["LD_PRELOAD": library])
        #expect(counted.status == 0, "\(counted.stderr)")
        let line = try #require(counted.stdout.split(separator: "\n").first { $0.hasPrefix("heap allocations per step: ") }, "\(counted.stdout)")
        let perStep = try #require(Double(line.dropFirst("heap allocations per step: ".count)), "\(line)")
        #expect(perStep >= 0)
        #expect(counted.stdout.contains("\"allocations_per_step\":"), "\(counted.stdout)")
    }
}
