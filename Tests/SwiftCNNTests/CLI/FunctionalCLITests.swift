import Foundation
import Testing

@testable import SwiftCNN

/// End to end through the built `swiftcnn`: Functional `.keras` files in summary, predict
/// and evaluate; predict resizing to a `.keras` model's own input; train --fresh.
@Suite struct FunctionalCLITests {
    private func writeImage(_ path: String, width: Int = 32, height: Int = 32) throws {
        let image = PixelImage(
            width: width, height: height, channels: 3, pixels: (0..<(width * height * 3)).map { UInt8(($0 * 7) % 251) })
        try PNG.write(image, to: path)
    }

    @Test func summaryOfFunctionalKerasFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLIRunner.run(["summary", "--model", Keras3Fixtures.path("functional.keras")], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Model: \"functional_fixture\""))
        #expect(result.stdout.contains("Connected to"))
        #expect(result.stdout.contains("shared[1][0]"))
        #expect(result.stdout.contains("image (InputLayer)"))
        let model = try KerasModelFile.load(Keras3Fixtures.path("functional.keras"))
        #expect(result.stdout.contains("Total params: \(model.parameterCount) "))
    }

    /// A `.keras` model of 8×8 inputs classifies 32×32 files: they are resized to the
    /// model's input, not to --input's default (which failed before).
    @Test(arguments: ["functional", "sequential"])
    func predictResizesToTheModelsInput(name: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try writeImage("\(directory)/a.png")
        try writeImage("\(directory)/b.png", width: 20, height: 12)
        let archive = try Keras3Fixtures.path("\(name).keras")
        let result = try CLIRunner.run(
            ["predict", "--model", archive, "--output", "p.npy", "a.png", "b.png"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("a.png: "))
        let probabilities = try NPY.read("\(directory)/p.npy")
        #expect(probabilities.shape == [2, 3])
        // The same as the library on the image resized to 8×8.
        let model = try KerasModelFile.load(archive)
        let x = try ImageResize.modelInput(try ImageDecoder.read("\(directory)/a.png"), height: 8, width: 8, channels: 3)
        let expected = try model.predict(Tensor(shape: [1, 8, 8, 3], scalars: x.scalars), batchSize: 1)
        #expect(zip(probabilities.scalars.prefix(3), expected.scalars).allSatisfy { abs($0 - $1) < 1e-6 })

        let mismatch = try CLIRunner.run(["predict", "--model", archive, "--input", "32,32,3", "a.png"], in: directory)
        #expect(mismatch.status != 0)
        #expect(mismatch.stderr.contains("--input 32,32,3 differs from the input 8,8,3"), "\(mismatch.stderr)")
    }

    @Test func evaluateAndPredictASwiftCNNFunctionalFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try KerasFilesCLITests.writeTinyCIFAR("\(directory)/data")
        let model = try Keras3InteropOfflineTests.functional()
        try KerasModelFile.save(model, to: "\(directory)/f.keras")
        let evaluate = try CLIRunner.run(["evaluate", "--model", "f.keras", "--data", "data"], in: directory)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.hasPrefix("32 images - loss: "), "\(evaluate.stdout)")
        let predict = try CLIRunner.run(
            ["predict", "--model", "f.keras", "--split", "test", "--data", "data", "--output", "p.npy"], in: directory)
        #expect(predict.status == 0, "\(predict.stderr)")
        #expect(try NPY.read("\(directory)/p.npy").shape == [32, 10])
    }

    /// `train --fresh` from a `.keras` file starts from fresh weights, not the file's
    /// (which it kept before). The file's weights are all zero; a learning rate of 1e-9
    /// leaves whatever training starts from almost unchanged.
    @Test func trainFreshIgnoresTheFilesWeights() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try KerasFilesCLITests.writeTinyCIFAR("\(directory)/data")
        func make() -> Sequential {
            Sequential {
                Conv2D(4, kernelSize: 3, strides: 2)
                Flatten()
                Dense(10, activation: .softmax)
            }
        }
        let zero = make()
        try zero.build(inputShape: [32, 32, 3])
        for parameter in zero.weights { parameter.value = Tensor.zeros(parameter.shape) }
        try KerasModelFile.save(zero, to: "\(directory)/zero.keras")
        func largestKernel(fresh: Bool) throws -> Float {
            let checkpoint = fresh ? "fresh.weights.h5" : "kept.weights.h5"
            let result = try CLIRunner.run(
                [
                    "train", "--model", "zero.keras", "--data", "data", "--epochs", "1", "--batch-size", "16",
                    "--learning-rate", "0.000000001", "--checkpoint", checkpoint,
                ] + (fresh ? ["--fresh"] : []), in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let trained = make()
            try trained.build(inputShape: [32, 32, 3])
            try trained.loadWeights(from: "\(directory)/\(checkpoint)")
            return trained.weights.flatMap { $0.value.scalars.map(abs) }.max() ?? 0
        }
        #expect(try largestKernel(fresh: false) < 1e-6)
        #expect(try largestKernel(fresh: true) > 0.01)
    }

    /// `export --model f.keras` writes the file's model (its input, its weights) as ONNX,
    /// a shared layer's two calls as two nodes.
    @Test func exportsAFunctionalKerasFileToONNX() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try CLIRunner.run(
            ["export", "--model", Keras3Fixtures.path("functional.keras"), "--output", "f.onnx"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("input [N, 8, 8, 3], output [N, 3]"), "\(result.stdout)")
        #expect(FileManager.default.fileExists(atPath: "\(directory)/f.onnx"))
    }
}
