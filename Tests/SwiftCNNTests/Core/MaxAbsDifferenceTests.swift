import Testing

@testable import SwiftCNN

/// A NaN anywhere makes the difference NaN, so `difference < tolerance` fails: `Swift.max`
/// and `Sequence.max()` skip a NaN that is not first, which once let a kernel that left
/// pixels unwritten (still NaN) pass its test.
@Suite struct MaxAbsDifferenceTests {
    @Test func aNaNAnywhereIsReported() throws {
        let a = try Tensor(shape: [4], scalars: [1, 2, 3, 4])
        let b = try Tensor(shape: [4], scalars: [1, 2.5, .nan, 4])
        #expect(a.maxAbsDifference(b).isNaN)
        #expect(b.maxAbsDifference(a).isNaN)
        #expect(maxAbsDifference([1, 2, 3, 4], [1, 2.5, .nan, 4]).isNaN)
        #expect(maxAbsDifference([Float](), []) == .infinity)
    }

    @Test func theLargestDifferenceOtherwise() throws {
        let a = try Tensor(shape: [3], scalars: [1, -2, 3])
        let b = try Tensor(shape: [3], scalars: [1.25, -2, 2])
        #expect(a.maxAbsDifference(b) == 1)
        #expect(maxAbsDifference(a.scalars, b.scalars) == 1)
        #expect(a.maxAbsDifference(try Tensor(shape: [2], scalars: [1, 2])) == .infinity)
    }
}
