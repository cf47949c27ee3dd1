import Foundation
import Testing

@testable import SwiftCNN

/// Fixtures for the export and TensorBoard paths (the runs go through ``CLIRunner``).
enum ExportCLIRunner {
    static func run(_ arguments: [String], in directory: String) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments, in: directory)
    }

    /// A CIFAR-10 folder of `perBatch` records in each of the six batch files.
    static func tinyCIFAR(in directory: String, perBatch: Int = 8) throws -> String {
        let folder = directory + "/cifar"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            try writeDataTestFile((0..<perBatch).flatMap { cifarRecord(label: UInt8($0 % 10)) }, folder + "/" + name)
        }
        return folder
    }
}

@Suite(.serialized) struct ExportCLITests {
    @Test func trainWithTensorBoardThenExportTheCheckpoint() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try ExportCLIRunner.tinyCIFAR(in: directory)
        let train = try ExportCLIRunner.run(
            [
                "train", "--model", "lenet5", "--data", data, "--epochs", "2", "--batch-size", "8",
                "--tensorboard", "logs", "--update-freq", "2", "--histogram-freq", "1",
            ], in: directory)
        #expect(train.status == 0, "\(train.stderr)")
        #expect(train.stdout.contains("40 training and 8 test images"))

        // The event files hold what history.csv holds.
        let history = try String(contentsOfFile: directory + "/history.csv", encoding: .utf8)
        let rows = history.split(separator: "\n").dropFirst().map { $0.split(separator: ",").map(String.init) }
        #expect(rows.count == 2)
        let trainFolder = directory + "/logs/train"
        let validationFolder = directory + "/logs/validation"
        let trainEvents = try EventFile.read(TensorBoardTests.findEventFile(trainFolder)).events
        let validationEvents = try EventFile.read(TensorBoardTests.findEventFile(validationFolder)).events
        let loss = TensorBoardTests.scalars(trainEvents, "epoch_loss")
        let valAccuracy = TensorBoardTests.scalars(validationEvents, "epoch_sparse_categorical_accuracy")
        for (epoch, row) in rows.enumerated() {
            #expect(loss[epoch] == Float(Double(row[1])!), "epoch \(epoch + 1) loss")
            #expect(valAccuracy[epoch] == Float(Double(row[4])!), "epoch \(epoch + 1) val accuracy")
        }
        #expect(TensorBoardTests.scalars(trainEvents, "batch_loss").keys.sorted() == [2, 4, 6, 8, 10])
        #expect(trainEvents.contains { $0.summary.value.first?.tag == "le_net5/conv2d/kernel/histogram" })

        let export = try ExportCLIRunner.run(
            ["export", "--model", "lenet5", "--weights", "checkpoint/LeNet5.ckpt", "--output", "out/lenet5.onnx"],
            in: directory)
        #expect(export.status == 0, "\(export.stderr)")
        #expect(
            export.stdout
                == "Wrote out/lenet5.onnx: ONNX opset 13, 14 nodes, 10 initializers (62006 parameters), input [N, 32, 32, 3], output [N, 10]\n"
        )
        let model = try Onnx_ModelProto(serializedBytes: try readWholeFile(directory + "/out/lenet5.onnx"))
        #expect(model.graph.node.first?.opType == "Transpose")
        // The exported weights are the checkpoint's.
        let lenet = LeNet5()
        try lenet.build(inputShape: [32, 32, 3])
        try lenet.loadWeights(directory + "/checkpoint/LeNet5.ckpt")
        let gemm = try #require(model.graph.node.last { $0.opType == "Gemm" })
        let bias = try #require(model.graph.initializer.first { $0.name == gemm.input[2] })
        #expect(ONNXExportTests.floats(bias) == lenet.namedParameters.last!.parameter.value.scalars)
    }

    @Test func exportWithoutWeightsSaysSo() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try ExportCLIRunner.run(["export", "--model", "inception10", "--output", "r.onnx"], in: directory)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.hasPrefix(
                "No --weights: exporting freshly initialised weights (seed 0)\nWrote r.onnx: ONNX opset 13, 88 nodes"))
    }

    @Test func badInputIsOneLine() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let cases: [([String], String)] = [
            (["export", "--model", "baseline", "--weights", "missing.ckpt", "--output", "m.onnx"], "missing.ckpt"),
            (["export", "--model", "nope", "--output", "m.onnx"], "nope"),
            (["export", "--model", "baseline", "--input", "0,3", "--output", "m.onnx"], "--input"),
            (
                ["train", "--model", "baseline", "--update-freq", "batch"],
                "--histogram-freq and --update-freq need --tensorboard DIR"
            ),
            (["train", "--model", "baseline", "--tensorboard", "l", "--update-freq", "0"], "--update-freq must be"),
            (
                ["train", "--model", "baseline", "--tensorboard", "l", "--histogram-freq", "-1"],
                "--histogram-freq must be"
            ),
        ]
        for (arguments, expected) in cases {
            let result = try ExportCLIRunner.run(arguments, in: directory)
            #expect(result.status != 0, "\(arguments)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].contains(expected), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/m.onnx"))
    }
}
