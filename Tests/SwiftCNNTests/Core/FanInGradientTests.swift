import Testing

@testable import SwiftCNN

/// A tensor read by several ops (an Inception block's input feeds four branches) gets the
/// sum of their gradients. The engine adds later ones into the first in place when that
/// one is a fresh tensor nothing else holds, and 1×1 convolutions and max pooling add
/// theirs straight into it (`GradNode.accumulator`); a gradient passed on or sent to two
/// inputs (`x + x`) must never be written into.
@Suite struct FanInGradientTests {
    @Test func theGradientsOfSeveralConsumersAddUpInAnyOrder() throws {
        var random = RandomGenerator(seed: 5)
        func tensor(_ shape: [Int]) throws -> Tensor {
            try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() * 2 - 1 })
        }
        // Distinct values, so no pooling window has a tie.
        let x = try Tensor(shape: [2, 6, 6, 4], scalars: (0..<288).map { Float($0) * 0.01 - 1.4 }.shuffled(using: &random))
        let (k1, k2, k3) = (try tensor([1, 1, 4, 5]), try tensor([1, 1, 4, 3]), try tensor([3, 3, 4, 2]))
        let (g1, g2, g3) = (try tensor([2, 6, 6, 5]), try tensor([2, 6, 6, 3]), try tensor([2, 6, 6, 2]))
        let (gp, gs) = (try tensor([2, 6, 6, 4]), try tensor([2, 6, 6, 4]))
        let consumers: [(Tensor) throws -> Tensor] = [
            { try sum(conv2d($0, k1, padding: .same) * g1) },  // 1×1: adds in by SGEMM
            { try sum(maxPool2d($0, poolSize: 3, strides: 1, padding: .same) * gp) },  // its scatter adds in
            { try sum(conv2d($0, k3, padding: .same) * g3) },  // 3×3: sends a tensor of its own
            { try sum(($0 + $0) * gs) },  // one tensor sent to both inputs: not to be written into
            { try sum(conv2d($0, k2, padding: .same) * g2) },
            { try sum(pointwiseConv2d($0, kernel: k1) * g1) },  // the public 1×1 op: adds in by SGEMM too
        ]
        func gradient(_ which: [Int]) throws -> [Float] {
            let tracked = x.trackingGradient()
            var total = try consumers[which[0]](tracked)
            for i in which.dropFirst() { total = try total + consumers[i](tracked) }
            let seed = Tensor(shape: total.shape, repeating: 1)
            try total.backward(seed: seed)
            #expect(seed.scalars == [1], "the seed was written into")
            return try #require(tracked.gradient).scalars
        }
        let alone = try consumers.indices.map { try gradient([$0]) }
        for order in [[0, 1, 2, 3, 4, 5], [1, 0, 4, 2, 5, 3], [3, 5, 4, 0, 1, 2], [2, 3, 1, 4, 0], [4, 1, 0], [1, 5]] {
            let together = try gradient(order)
            let want = (0..<x.count).map { i in order.reduce(0) { $0 + alone[$1][i] } }
            #expect(maxAbsDifference(together, want) < 1e-4, "consumers \(order)")
        }
    }

    /// A gradient an op passes on unchanged (`s = x + 0.5` sends s's own gradient to x) is
    /// also s's gradient, which a tape can return: the 1×1 convolution and the pooling that
    /// read x too must add theirs into a new tensor, not into that one.
    @Test func aGradientPassedOnIsNotWrittenInto() throws {
        var random = RandomGenerator(seed: 9)
        func tensor(_ shape: [Int]) throws -> Tensor {
            try Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in random.nextUniform() * 2 - 1 })
        }
        let x = try Tensor(shape: [1, 4, 4, 4], scalars: (0..<64).map { Float($0) * 0.03 - 1 }.shuffled(using: &random))
        let (kernel, gs, gc, gp) = (try tensor([1, 1, 4, 4]), try tensor([1, 4, 4, 4]), try tensor([1, 4, 4, 4]), try tensor([1, 4, 4, 4]))
        for shiftFirst in [true, false] {
            let tape = GradientTape()
            var shifted: Tensor?
            var watched: Tensor?
            let total = try tape.record {
                let tx = tape.watch(x)
                watched = tx
                func shift() throws -> Tensor {
                    let s = try tx + 0.5
                    shifted = s
                    return try sum(s * gs)
                }
                let others = try sum(conv2d(tx, kernel) * gc) + sum(maxPool2d(tx, poolSize: 3, strides: 1, padding: .same) * gp)
                return shiftFirst ? try shift() + others : try others + shift()
            }
            let gradients = try tape.gradient(total, [try #require(watched), try #require(shifted)])
            let ofShift = try #require(gradients[1])
            #expect(maxAbsDifference(ofShift.scalars, gs.scalars) == 0, "the gradient of s changed (s first: \(shiftFirst))")
            let ofX = try #require(gradients[0])
            #expect(maxAbsDifference(ofX.scalars, gs.scalars) > 0.1, "x's gradient lost the other consumers (s first: \(shiftFirst))")
        }
    }
}
