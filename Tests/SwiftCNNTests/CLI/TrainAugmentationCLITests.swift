import Foundation
import Testing

/// `swiftcnn train` with the course's ImageDataGenerator flags: the batches are augmented
/// (the run differs from one without them) and the draws repeat with the seed.
@Suite(.serialized) struct TrainAugmentationCLITests {
    static let data = "/usr/share/datasets/fashion-mnist"
    let train = [
        "train", "--model", "lenet5", "--dataset", "fashion-mnist", "--data", Self.data, "--epochs", "1",
        "--train-limit", "128", "--test-limit", "32", "--fresh",
    ]
    let course = [
        "--rotation-range", "45", "--width-shift-range", "0.15", "--height-shift-range", "0.15", "--zoom-range", "0.5",
        "--horizontal-flip",
    ]

    private func history(_ arguments: [String], in dir: String) throws -> String {
        let result = try CLIRunner.run(arguments, in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        return try String(contentsOfFile: dir + "/history.csv", encoding: .utf8)
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Self.data), "needs Debian's dataset-fashion-mnist (make test installs it)"))
    func augmentedTrainingRepeatsWithItsSeed() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let plain = try history(train, in: dir)
        let first = try history(train + course, in: dir)
        let again = try history(train + course, in: dir)
        let otherSeed = try history(train + course + ["--seed", "7"], in: dir)
        #expect(first == again)
        #expect(first != plain)
        #expect(otherSeed != first)
    }
}
