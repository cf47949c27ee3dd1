import Foundation
import Testing

@testable import SwiftCNN

/// The built `swiftcnn` on a `.weights.h5` whose global heap (where the optimizer's name
/// is kept) is damaged the way that sent libhdf5 into an endless loop: one line naming the
/// file and the damage, a non-zero exit, and no hang.
@Suite struct CorruptWeightsCLITests {
    /// Baseline's weights with Adam's state, as a trained checkpoint has them.
    static func trainedBaselineBytes() throws -> [UInt8] {
        let model = try ModelZoo.make("baseline")
        try model.build(inputShape: [32, 32, 3])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        model.optimizer?.iterations = 3
        return try KerasWeightsFile.encode(model, file: "Baseline.weights.h5")
    }

    @Test func convertReportsACorruptGlobalHeapAndExits() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var bytes = try Self.trainedBaselineBytes()
        let heap = try KerasWeightsCorruptionTests.globalHeap(bytes)
        // The first heap object becomes free space of size 0 (number 0, size 0).
        for i in [0, 1] + Array(8..<16) { bytes[heap + 16 + i] = 0 }
        try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/bad.weights.h5"))
        let started = Date()
        let result = try CLIRunner.run(
            ["convert", "--model", "baseline", "bad.weights.h5", "out.safetensors"], in: directory, timeout: 60)
        #expect(result.status != 0)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("bad.weights.h5"), "\(result.stderr)")
        #expect(result.stderr.contains("corrupt HDF5 file (string attribute names global heap object"), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/out.safetensors"))
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
