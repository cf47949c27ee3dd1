import Foundation
import Testing

/// Counts given on the command line: a negative or zero value gets one line naming the
/// option and the value, and exit status 1 (argument-parser alone reads `-1` as a flag
/// and says "Missing value").
@Suite struct CountOptionCLITests {
    @Test(arguments: [
        (["train", "--model", "lenet5", "--epochs", "-1"], "--epochs must be a positive whole number, got -1"),
        (["train", "--model", "lenet5", "--epochs", "0"], "--epochs must be a positive whole number, got 0"),
        (["train", "--model", "lenet5", "--batch-size", "-32"], "--batch-size must be a positive whole number, got -32"),
        (["train", "--model", "lenet5", "--train-limit", "-5"], "--train-limit must be a positive whole number, got -5"),
        (["train", "--model", "lenet5", "--threads", "0"], "--threads must be a positive whole number, got 0"),
        (["evaluate", "--model", "lenet5", "--weights", "x.ckpt", "--limit", "-3"], "--limit must be a positive whole number, got -3"),
        (["bench", "--model", "lenet5", "--steps", "-1"], "--steps must be a positive whole number, got -1"),
        (["predict", "--model", "lenet5", "--weights", "x.ckpt", "--top", "0", "a.png"], "--top must be a positive whole number, got 0"),
    ])
    func aBadCountSaysWhatIsWrong(arguments: [String], message: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(arguments, in: dir)
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(message)\n")
        #expect(result.stdout.isEmpty)
    }
}
