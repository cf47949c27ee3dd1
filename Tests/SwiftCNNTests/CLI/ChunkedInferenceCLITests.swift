import Foundation
import Testing

@testable import SwiftCNN

/// `swiftcnn evaluate` with a large `--batch-size`, and `swiftcnn predict` on a split (batch
/// 256), run Inception10 (memory-bound) in chunks that stay in cache; what they print and
/// write must be what unchunked batches give.
@Suite struct ChunkedInferenceCLITests {
    static let data = "/usr/share/datasets/fashion-mnist"

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func evaluateInChunksPrintsWhatSmallBatchesPrint() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let common = ["--model", "inception10", "--dataset", "fashion-mnist", "--data", Self.data]
        let train = try CLIRunner.run(
            ["train"] + common + ["--epochs", "1", "--train-limit", "32", "--test-limit", "16", "--batch-size", "16"], in: dir)
        #expect(train.status == 0, "\(train.stderr)")
        let weights = ["--weights", dir + "/checkpoint/Inception10.ckpt", "--limit", "160"]
        let chunked = try CLIRunner.run(["evaluate"] + common + weights + ["--batch-size", "160"], in: dir)
        let small = try CLIRunner.run(["evaluate"] + common + weights + ["--batch-size", "16"], in: dir)
        #expect(chunked.status == 0, "\(chunked.stderr)")
        #expect(small.status == 0, "\(small.stderr)")
        let line = { (output: String) in output.split(separator: "\n").first { $0.contains("160 images - loss: ") } }
        #expect(line(chunked.stdout) != nil, "\(chunked.stdout)")
        #expect(line(chunked.stdout) == line(small.stdout), "\(chunked.stdout) | \(small.stdout)")

        // predict: 100 images are two chunks of 50; 40 images (fewer than a chunk) run whole.
        let split = ["predict"] + common + ["--weights", dir + "/checkpoint/Inception10.ckpt", "--split", "test"]
        let hundred = try CLIRunner.run(split + ["--limit", "100", "--output", "hundred.npy"], in: dir)
        let forty = try CLIRunner.run(split + ["--limit", "40", "--output", "forty.npy"], in: dir)
        #expect(hundred.status == 0, "\(hundred.stderr)")
        #expect(forty.status == 0, "\(forty.stderr)")
        #expect(hundred.stdout.contains("Wrote 100×10 probabilities to hundred.npy"), "\(hundred.stdout)")
        let many = try NPY.read(dir + "/hundred.npy")
        let few = try NPY.read(dir + "/forty.npy")
        #expect(many.shape == [100, 10] && few.shape == [40, 10])
        #expect(maxAbsDifference(many.scalars.prefix(400), few.scalars) <= 1e-5)
        // The first 20 rows it prints are the same classes and scores.
        let rows = { (output: String) in output.split(separator: "\n").filter { $0.hasPrefix("#") }.prefix(20) }
        #expect(rows(hundred.stdout).count == 20, "\(hundred.stdout)")
        #expect(Array(rows(hundred.stdout)) == Array(rows(forty.stdout)), "\(hundred.stdout) | \(forty.stdout)")
    }
}
