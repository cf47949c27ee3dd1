import Foundation
import Testing

@testable import SwiftCNN

/// `numpy/print_cases.json`, made by Tools/make_checkpoint_fixtures.py.
private struct PrintCases: Decodable {
    struct ArrayCase: Decodable {
        var name: String
        var shape: [Int]
        var bits: [UInt32]
        var expected: String
        var expectedLegacy: String

        enum CodingKeys: String, CodingKey {
            case name, shape, bits, expected
            case expectedLegacy = "expected_legacy_2_2"
        }
    }

    struct ScalarCase: Decodable {
        var bits: UInt32
        var expected: String
    }

    var numpy: String
    var arrays: [ArrayCase]
    var scalars: [ScalarCase]

    static func load() throws -> PrintCases {
        try JSONDecoder().decode(PrintCases.self, from: Data(IOFixtures.bytes("numpy/print_cases.json")))
    }
}

@Suite struct WeightsTextTests {
    @Test func arraysMatchNumpy() throws {
        let cases = try PrintCases.load()
        #expect(cases.arrays.count > 50)
        for c in cases.arrays {
            let values = c.bits.map(Float.init(bitPattern:))
            #expect(NumpyFormat.arrayString(values, shape: c.shape, style: .numpy2) == c.expected, "\(c.name)")
        }
    }

    @Test func arraysMatchNumpy1Cutoff() throws {
        for c in try PrintCases.load().arrays where c.name != "exactly 1e-4" {
            let values = c.bits.map(Float.init(bitPattern:))
            #expect(
                NumpyFormat.arrayString(values, shape: c.shape, style: .numpy1) == c.expectedLegacy, "\(c.name)")
        }
    }

    @Test func scalarsMatchNumpy() throws {
        for c in try PrintCases.load().scalars {
            #expect(NumpyFormat.scalarString(Float(bitPattern: c.bits), style: .numpy2) == c.expected)
        }
    }

    /// The Double shortcut agrees with the big-integer expansion.
    @Test func fastRoundingAgreesWithExactExpansion() {
        var values: [Float] = [
            1e-5, 9.999999e-5, 0.1, 0.99999994, 1, 9.5, 2.5, 1.25, .leastNonzeroMagnitude, 3.4028235e38, 123456.78,
        ]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15  // SplitMix64, for reproducible bit patterns
        for _ in 0..<20000 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let bits = 0x3000_0000 + UInt32(z % 0x1B00_0000)
            values.append(Float(bitPattern: bits | (z >> 63 == 1 ? 0x8000_0000 : 0)))
        }
        for v in values {
            let shortest = DecimalDigits(shortest: v)
            let exact = DecimalDigits(exact: v)
            for count in 1...9 {
                #expect(
                    DecimalDigits.correctlyRounded(v, significantDigits: count, shortest: shortest)
                        == exact.rounded(toSignificantDigits: count), "\(v) to \(count)")
            }
        }
    }

    @Test func emptyArraysPrintAsBrackets() {
        #expect(NumpyFormat.arrayString([], shape: [0, 3], style: .numpy2) == "[]")
        #expect(NumpyFormat.arrayString([], shape: [2, 0], style: .numpy2) == "[]")
    }

    @Test func shapesPrintLikeTensorShape() {
        #expect(WeightsText.shapeString([5, 5, 3, 6]) == "(5, 5, 3, 6)")
        #expect(WeightsText.shapeString([6]) == "(6,)")
        #expect(WeightsText.shapeString([]) == "()")
    }

    @Test func recordLayout() {
        let text = WeightsText.text([
            ("baseline/conv2d/bias:0", [3], [0.5, -0.25, 0]),
            ("baseline/dense/kernel:0", [2, 2], [1, 2, 3, 4]),
        ])
        #expect(
            text == """
                baseline/conv2d/bias:0
                (3,)
                [ 0.5  -0.25  0.  ]
                baseline/dense/kernel:0
                (2, 2)
                [[1. 2.]
                 [3. 4.]]

                """)
    }

    @Test func writesFileAtomically() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/weights.txt"
        try WeightsText.write([("v:0", [1], [1])], to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "v:0\n(1,)\n[1.]\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["weights.txt"])
    }

    /// Offline stress check against a larger case file made the same way
    /// (set SWIFTCNN_NUMPY_CASES to its path); skipped in CI.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SWIFTCNN_NUMPY_CASES"] != nil))
    func stressCasesMatchNumpy() throws {
        let path = try #require(ProcessInfo.processInfo.environment["SWIFTCNN_NUMPY_CASES"])
        let cases = try JSONDecoder().decode(PrintCases.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        var failures = 0
        for c in cases.arrays {
            let actual = NumpyFormat.arrayString(c.bits.map(Float.init(bitPattern:)), shape: c.shape, style: .numpy2)
            if actual != c.expected {
                failures += 1
                if failures < 5 { Issue.record("\(c.name):\n\(actual)\n!=\n\(c.expected)") }
            }
        }
        #expect(failures == 0, "\(failures) of \(cases.arrays.count) differ")
    }
}
