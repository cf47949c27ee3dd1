import Foundation
import Testing

/// `swiftcnn bench-augmentation` and the augmentation options (`AugmentationOptions`, which
/// `train` shares): what it prints, and one line for each bad value.
@Suite struct AugmentationCLITests {
    @Test func benchAugmentationTimesTheCoursesSettings() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(["bench-augmentation", "--steps", "3", "--batch-size", "4"], in: dir)
        #expect(result.status == 0, "\(result.stderr)")
        let line = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.range(of: #"^augment batch 4 of 32×32×3: [0-9.]+ ms/batch \(median of 3\), [0-9]+ images/s, one thread$"#, options: .regularExpression) != nil, "\(line)")
    }

    @Test(arguments: [
        (["--rotation-range", "-5"], "--rotation-range must be a number ≥ 0, got -5.0"),
        (["--width-shift-range", "nan"], "--width-shift-range must be a number ≥ 0, got nan"),
        (["--zoom-range", "1.5"], "--zoom-range must be below 1 (zooms are drawn from [1 - z, 1 + z]), got 1.5"),
        (["--horizontal-flip", "--fill-mode", "mirror"], "--fill-mode: fill mode 'mirror' is not one of reflect, nearest, constant, wrap"),
        (["--fill-mode", "reflect"], "--fill-mode needs an augmentation option such as --rotation-range"),
    ])
    func aBadAugmentationValueSaysWhatIsWrong(arguments: [String], message: String) throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let result = try CLIRunner.run(["bench-augmentation", "--steps", "1"] + arguments, in: dir)
        #expect(result.status == 1)
        #expect(result.stderr == "Error: \(message)\n")
        #expect(result.stdout.isEmpty)
    }
}
