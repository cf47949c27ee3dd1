import Foundation
import Testing

/// `swiftcnn evaluate` with a large `--batch-size` runs Inception10 (memory-bound) in
/// chunks that stay in cache; what it prints must be what small batches print.
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
    }
}
