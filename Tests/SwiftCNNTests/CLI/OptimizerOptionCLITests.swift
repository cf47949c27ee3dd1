import Foundation
import Testing

@testable import SwiftCNN

/// `swiftcnn train --optimizer`: the run trains with that optimizer (its state is in the
/// best-only checkpoint, in Keras's layout for it), and an unknown name fails in one line.
@Suite(.serialized) struct OptimizerOptionCLITests {
    static let data = "/usr/share/datasets/fashion-mnist"
    let train = [
        "train", "--model", "lenet5", "--dataset", "fashion-mnist", "--data", Self.data, "--epochs", "1",
        "--train-limit", "64", "--test-limit", "32", "--fresh",
    ]

    @Test(
        .enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"),
        arguments: [("rmsprop", ".weights.h5"), ("adamw", ".ckpt"), ("sgd", ".weights.h5")])
    func trainsWithTheNamedOptimizer(_ name: String, _ suffix: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = "checkpoint/LeNet5" + suffix
        let result = try CLIRunner.run(train + ["--optimizer", name, "--checkpoint", checkpoint], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("Wrote "), "\(result.stdout)")

        // The checkpoint carries this optimizer's state: 64 images in batches of 32 are 2 steps.
        let model = LeNet5()
        try model.build(inputShape: [28, 28, 1])
        let optimizer = try #require(OptimizerKind(rawValue: name)).make(learningRate: 1)
        model.compile(optimizer: optimizer, loss: SparseCategoricalCrossentropy())
        try model.loadWeights(from: dir + "/" + checkpoint)
        #expect(optimizer.iterations == 2)
        #expect(optimizer.learningRate == OptimizerKind(rawValue: name)?.defaultLearningRate)
        if name != "sgd" {
            #expect(!optimizer.slots(for: model.trainableWeights[0]).isEmpty)
        }
    }

    /// `convert --optimizer rmsprop` carries RMSprop's state from a TF checkpoint into a
    /// Keras 3 file (with Adam assumed, it was dropped).
    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func convertCarriesTheNamedOptimizersState() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let trained = try CLIRunner.run(train + ["--optimizer", "rmsprop", "--checkpoint", "checkpoint/LeNet5.ckpt"], in: dir)
        #expect(trained.status == 0, "\(trained.stderr)")
        let convert = try CLIRunner.run(
            ["convert", "--model", "lenet5", "--input", "28,28,1", "--optimizer", "rmsprop", "checkpoint/LeNet5.ckpt", "out.weights.h5"],
            in: dir)
        #expect(convert.status == 0, "\(convert.stderr)")
        #expect(convert.stdout.contains("and RMSprop's state (2 iterations)"), "\(convert.stdout)")
        let model = LeNet5()
        try model.build(inputShape: [28, 28, 1])
        let optimizer = RMSprop()
        model.compile(optimizer: optimizer, loss: SparseCategoricalCrossentropy())
        try model.loadWeights(from: dir + "/out.weights.h5")
        #expect(optimizer.iterations == 2)
        #expect(!optimizer.slots(for: model.trainableWeights[0]).isEmpty)
        let unknown = try CLIRunner.run(
            ["convert", "--model", "lenet5", "--optimizer", "adagrad", "checkpoint/LeNet5.ckpt", "x.weights.h5"], in: dir)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("--optimizer: unknown optimizer 'adagrad'"))
    }

    @Test func anUnknownOptimizerFailsInOneLine() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(["train", "--model", "lenet5", "--optimizer", "adagrad"], in: dir)
        #expect(result.status != 0)
        #expect(
            result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
                == "Error: --optimizer: unknown optimizer 'adagrad'; supported: adam, sgd, rmsprop, adamw", "\(result.stderr)")
    }
}
