import Foundation
import Testing

/// A kill between the two renames of a save leaves the new data file beside the old index;
/// the writer kept the previous pair as `<prefix>-previous`. `evaluate` and `train` must
/// load that pair with one warning line, and the next save must leave a whole checkpoint.
@Suite(.serialized) struct CheckpointFallbackCLITests {
    static let data = "/usr/share/datasets/fashion-mnist"
    let common = ["--model", "lenet5", "--dataset", "fashion-mnist", "--data", Self.data]

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func aTornCheckpointFallsBackToThePreviousPair() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = ["train"] + common + ["--epochs", "1", "--train-limit", "64", "--test-limit", "32", "--batch-size", "32"]
        let first = try CLIRunner.run(train, in: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let ckpt = dir + "/checkpoint/LeNet5.ckpt"
        let data = ckpt + ".data-00000-of-00001"
        // What a kill between the renames leaves: the previous pair under its second name,
        // and a data file of another save (same size, other bytes) beside the old index.
        for suffix in [".index", ".data-00000-of-00001"] {
            try FileManager.default.copyItem(atPath: ckpt + suffix, toPath: ckpt + "-previous" + suffix)
        }
        var bytes = try Data(contentsOf: URL(fileURLWithPath: data))
        for i in stride(from: 0, to: bytes.count, by: 97) { bytes[i] ^= 0x5A }
        try bytes.write(to: URL(fileURLWithPath: data))

        let evaluated = try CLIRunner.run(["evaluate"] + common + ["--weights", ckpt, "--limit", "32"], in: dir)
        #expect(evaluated.status == 0, "\(evaluated.stderr)")
        #expect(evaluated.stdout.contains("32 images - loss: "))
        let warning = evaluated.stderr.split(separator: "\n")
        #expect(warning.count == 1)
        #expect(warning.first?.hasPrefix("warning: \(data): ") == true, "\(evaluated.stderr)")
        #expect(warning.first?.hasSuffix("the checkpoint's last save was cut short, so the previous one, \(ckpt)-previous, was loaded") == true)

        let resumed = try CLIRunner.run(train, in: dir)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("-------------load the model-----------------"))
        #expect(resumed.stderr.contains("so the previous one, checkpoint/LeNet5.ckpt-previous, was loaded"), "\(resumed.stderr)")
        // Its save replaced the torn pair and removed the copy.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoint").sorted()
        #expect(names == ["LeNet5.ckpt.classes.json", "LeNet5.ckpt.data-00000-of-00001", "LeNet5.ckpt.index", "checkpoint"])
        let clean = try CLIRunner.run(["evaluate"] + common + ["--weights", ckpt, "--limit", "32"], in: dir)
        #expect(clean.status == 0 && clean.stderr.isEmpty, "\(clean.stderr)")
    }
}
