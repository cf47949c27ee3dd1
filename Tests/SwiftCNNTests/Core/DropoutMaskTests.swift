import Testing

@testable import SwiftCNN

/// The C dropout mask draws exactly what `nextUniform()` would, and leaves the generator
/// where those draws would: saved training state and seeded runs stay repeatable.
@Suite struct DropoutMaskTests {
    @Test func maskFollowsTheGeneratorsSequence() {
        var swift = RandomGenerator(seed: 42)
        var c = swift
        let (keep, scale): (Float, Float) = (0.8, 1.25)
        let expected = (0..<1_000).map { _ in swift.nextUniform() < keep ? scale : 0 }
        var mask = [Float](repeating: .nan, count: expected.count)
        mask.withUnsafeMutableBufferPointer { c.fillDropoutMask($0.baseAddress!, count: $0.count, keep: keep, scale: scale) }
        #expect(mask == expected)
        #expect(c.next() == swift.next())
        #expect(mask.filter { $0 == 0 }.count > 150 && mask.filter { $0 == 0 }.count < 250)
    }
}
