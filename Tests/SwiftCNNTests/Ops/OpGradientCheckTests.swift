import Foundation
import SwiftCNN
import Testing

/// Central finite differences for every differentiable public op: for a fixed random R
/// and L = Σ sum(output · R), each element of each input is moved by ±h, L is summed in
/// Float64 straight from the output's scalars, and (L₊ − L₋) / 2h must match the gradient
/// the tape gives, within `tolerance · (1 + |numeric|)`. Inputs stay away from kinks
/// (relu/abs at 0, clip bounds, max/min and pooling ties) by more than h.
@Suite struct OpsGradientCheckTests {
    /// Deterministic inputs: a seeded generator, values on a range.
    struct Inputs {
        var random: RandomGenerator
        init(seed: UInt64) { random = RandomGenerator(seed: seed) }

        mutating func uniform(_ shape: [Int], _ low: Float = -1, _ high: Float = 1) -> Tensor {
            let count = shape.reduce(1, *)
            return try! Tensor(shape: shape, scalars: (0..<count).map { _ in low + (high - low) * random.nextUniform() })
        }

        /// |v| in [low, high] with random signs: no kink at 0.
        mutating func awayFromZero(_ shape: [Int], _ low: Float = 0.2, _ high: Float = 1.5) -> Tensor {
            let count = shape.reduce(1, *)
            return try! Tensor(
                shape: shape,
                scalars: (0..<count).map { _ in
                    let magnitude = low + (high - low) * random.nextUniform()
                    return random.nextUniform() < 0.5 ? -magnitude : magnitude
                })
        }

        /// A shuffled ramp with steps of `spacing`: no two values within `spacing`.
        mutating func distinct(_ shape: [Int], spacing: Float = 0.07) -> Tensor {
            let count = shape.reduce(1, *)
            let values = (0..<count).map { (Float($0) - Float(count) / 2) * spacing }.shuffled(using: &random)
            return try! Tensor(shape: shape, scalars: values)
        }
    }

    /// Checks `f`'s gradients with respect to every tensor in `inputs`.
    func check(
        _ what: String, _ inputs: [Tensor], h: Float = 5e-3, tolerance: Double = 5e-3, seed: UInt64 = 99,
        sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) throws -> [Tensor]
    ) throws {
        var random = Inputs(seed: seed)
        let reference = try f(inputs)
        let upstream = reference.map { random.uniform($0.shape) }
        func objective(_ x: [Tensor]) throws -> Double {
            let outputs = try f(x)
            return zip(outputs, upstream).reduce(0.0) { $0 + dot($1.0, $1.1) }
        }

        let tape = GradientTape()
        var watched = inputs
        let loss = try tape.record { () throws -> Tensor in
            watched = inputs.map { tape.watch($0) }
            var total: Tensor?
            for (output, r) in zip(try f(watched), upstream) {
                let term = try sum(output * r, axes: nil, keepDims: false)
                total = try total.map { try $0 + term } ?? term
            }
            return total!
        }
        let analytic = try tape.gradient(loss, watched)
        #expect(analytic.count == inputs.count, "\(what): \(analytic.count) gradients", sourceLocation: sourceLocation)

        for (index, input) in inputs.enumerated() {
            guard index < analytic.count, let gradient = analytic[index] else {
                Issue.record("\(what): no gradient for input \(index)", sourceLocation: sourceLocation)
                continue
            }
            guard gradient.shape == input.shape else {
                Issue.record(
                    "\(what): gradient \(index) has shape \(gradient.shape), input \(input.shape)", sourceLocation: sourceLocation)
                continue
            }
            let values = gradient.scalars
            var failures: [String] = []
            for element in 0..<input.count {
                var moved = inputs
                let original = input.scalars[element]
                moved[index].withUnsafeMutableBufferPointer { $0[element] = original + h }
                let plus = try objective(moved)
                moved[index].withUnsafeMutableBufferPointer { $0[element] = original - h }
                let minus = try objective(moved)
                // The step actually taken in Float.
                let step = Double(original + h) - Double(original - h)
                let numeric = (plus - minus) / step
                let difference = abs(numeric - Double(values[element]))
                if !(difference <= tolerance * (1 + abs(numeric))) {
                    failures.append("[\(element)] \(values[element]) vs \(numeric)")
                }
            }
            if !failures.isEmpty {
                Issue.record(
                    "\(what) input \(index): \(failures.count)/\(input.count) off (analytic vs numeric): \(failures.prefix(4).joined(separator: ", "))",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// `check` for an op with one output.
    func check1(
        _ what: String, _ inputs: [Tensor], h: Float = 5e-3, tolerance: Double = 5e-3,
        sourceLocation: SourceLocation = #_sourceLocation, _ f: ([Tensor]) throws -> Tensor
    ) throws {
        try check(what, inputs, h: h, tolerance: tolerance, sourceLocation: sourceLocation) { [try f($0)] }
    }

    @Test func binaryWithBroadcasting() throws {
        var r = Inputs(seed: 1)
        let shapes: [([Int], [Int])] = [([2, 3], [2, 3]), ([2, 3], [3]), ([3], [2, 3]), ([2, 1, 4], [3, 1]), ([2, 3], []), ([], [2, 3])]
        for (sa, sb) in shapes {
            let a = r.uniform(sa, -2, 2), b = r.uniform(sb, -2, 2)
            try check1("add \(sa) \(sb)", [a, b]) { try $0[0] + $0[1] }
            try check1("subtract \(sa) \(sb)", [a, b]) { try $0[0] - $0[1] }
            try check1("multiply \(sa) \(sb)", [a, b]) { try $0[0] * $0[1] }
            try check1("divide \(sa) \(sb)", [a, r.awayFromZero(sb, 0.5, 2)]) { try $0[0] / $0[1] }
            try check1("pow \(sa) \(sb)", [r.uniform(sa, 0.5, 2), r.uniform(sb, -1.5, 2)]) { try pow($0[0], $0[1]) }
            // maximum / minimum: the two sides at least 0.05 apart everywhere.
            let p = try Tensor(shape: sa, scalars: (0..<a.count).map { _ in Float(Int(r.random.next() % 10) - 5) * 0.2 })
            let q = try Tensor(shape: sb, scalars: (0..<b.count).map { _ in Float(Int(r.random.next() % 10) - 5) * 0.2 + 0.1 })
            try check1("maximum \(sa) \(sb)", [p, q]) { try maximum($0[0], $0[1]) }
            try check1("minimum \(sa) \(sb)", [p, q]) { try minimum($0[0], $0[1]) }
        }
    }

    @Test func withFloats() throws {
        var r = Inputs(seed: 2)
        let x = r.uniform([2, 3], -2, 2)
        let positive = r.awayFromZero([2, 3], 0.5, 2)
        try check1("x + 1.5", [x]) { try $0[0] + 1.5 }
        try check1("-0.5 + x", [x]) { try -0.5 + $0[0] }
        try check1("x - 1", [x]) { try $0[0] - 1 }
        try check1("1 - x", [x]) { try 1 - $0[0] }
        try check1("x * 2", [x]) { try $0[0] * 2 }
        try check1("-3 * x", [x]) { try -3 * $0[0] }
        try check1("x / 2", [x]) { try $0[0] / 2 }
        try check1("2 / x", [positive]) { try 2 / $0[0] }
        try check1("-x", [x]) { -$0[0] }
        try check1("maximum(x, 0.05)", [x]) { try maximum($0[0], 0.05) }
        try check1("minimum(x, 0.05)", [x]) { try minimum($0[0], 0.05) }
        try check1("pow(x, 2.5)", [r.uniform([2, 3], 0.5, 2)]) { try pow($0[0], 2.5) }
        try check1("pow(x, -1.5)", [r.uniform([2, 3], 0.8, 2)]) { try pow($0[0], -1.5) }
        try check1("pow(x, 2)", [r.awayFromZero([2, 3], 0.2, 2)]) { try pow($0[0], 2) }
    }

    @Test func unary() throws {
        var r = Inputs(seed: 3)
        try check1("exp", [r.uniform([3, 4], -2, 2)]) { try exp($0[0]) }
        try check1("log", [r.uniform([3, 4], 0.5, 3)]) { try log($0[0]) }
        try check1("sqrt", [r.uniform([3, 4], 0.5, 3)]) { try sqrt($0[0]) }
        try check1("square", [r.uniform([3, 4], -2, 2)]) { try square($0[0]) }
        try check1("abs", [r.awayFromZero([3, 4], 0.1, 2)]) { try abs($0[0]) }
        // clip: nothing within 0.05 of ±1
        let c = try Tensor(shape: [2, 4], scalars: [-2, -0.9, -0.3, 0.2, 0.7, 0.94, 1.3, -1.2])
        try check1("clip", [c]) { try clip($0[0], min: -1, max: 1) }
        try check1("relu", [r.awayFromZero([3, 4], 0.1, 2)]) { try relu($0[0]) }
        try check1("sigmoid", [r.uniform([3, 4], -4, 4)]) { try sigmoid($0[0]) }
        try check1("tanh", [r.uniform([3, 4], -2, 2)]) { try tanh($0[0]) }
        try check1("exp scalar", [r.uniform([], -1, 1)]) { try exp($0[0]) }
    }

    @Test func softmaxes() throws {
        var r = Inputs(seed: 4)
        for (shape, axis) in [([3, 5], -1), ([3, 5], 0), ([2, 3, 4], 1), ([6], 0)] {
            let x = r.uniform(shape, -3, 3)
            try check1("softmax \(shape) axis \(axis)", [x]) { try softmax($0[0], axis: axis) }
            try check1("logSoftmax \(shape) axis \(axis)", [x]) { try logSoftmax($0[0], axis: axis) }
        }
    }

    @Test func reductions() throws {
        var r = Inputs(seed: 5)
        let axesCases: [[Int]?] = [nil, [1], [-1], [0, 2], [-3, -1]]
        for axes in axesCases {
            for keep in [false, true] {
                let x = r.uniform([2, 3, 4], -2, 2)
                let d = r.distinct([2, 3, 4])
                let label = "\(axes.map { "\($0)" } ?? "all") keepDims \(keep)"
                try check1("sum \(label)", [x]) { try sum($0[0], axes: axes, keepDims: keep) }
                try check1("mean \(label)", [x]) { try mean($0[0], axes: axes, keepDims: keep) }
                try check1("max \(label)", [d]) { try max($0[0], axes: axes, keepDims: keep) }
                try check1("min \(label)", [d]) { try min($0[0], axes: axes, keepDims: keep) }
            }
        }
    }

    @Test func matmuls() throws {
        var r = Inputs(seed: 6)
        let shapes: [([Int], [Int])] = [([3, 4], [4, 5]), ([2, 3, 4], [2, 4, 5]), ([2, 1, 3, 4], [3, 4, 2]), ([3, 4], [2, 4, 2]), ([2, 3, 4], [4, 2])]
        for (sa, sb) in shapes {
            try check1("matmul \(sa) \(sb)", [r.uniform(sa), r.uniform(sb)]) { try matmul($0[0], $0[1]) }
        }
    }

    @Test func shapeOps() throws {
        var r = Inputs(seed: 7)
        let x = r.uniform([2, 3, 4])
        try check1("reshape", [x]) { try $0[0].reshaped([4, -1]) }
        try check1("transpose default", [x]) { try $0[0].transposed() }
        for permutation in [[0, 2, 1], [1, 0, 2], [2, 0, 1], [1, 2, 0]] {
            try check1("transpose \(permutation)", [x]) { try $0[0].transposed(permutation: permutation) }
        }
        try check1("slice", [x]) { try $0[0].slice(begin: [1, 0, 1], size: [1, -1, 2]) }
        try check1("slice 2-D", [r.uniform([3, 4])]) { try $0[0].slice(begin: [0, 1], size: [2, -1]) }
        try check1("gather axis 0", [r.uniform([3, 4])]) { try gather($0[0], indices: [2, 0, 2], axis: 0) }
        try check1("gather axis -1", [x]) { try gather($0[0], indices: [3, 1, 1, 0], axis: -1) }
        try check1("gather axis 1", [x]) { try gather($0[0], indices: [1, 1, 2], axis: 1) }
        let a = r.uniform([2, 1, 4]), b = r.uniform([2, 3, 4])
        try check1("concatenate axis 1", [a, b]) { try concatenate($0, axis: 1) }
        try check1("concatenate axis -1", [r.uniform([2, 2]), r.uniform([2, 3]), r.uniform([2, 1])]) { try concatenate($0, axis: -1) }
        try check1("concatenate axis 0", [r.uniform([1, 3]), r.uniform([2, 3])]) { try concatenate($0, axis: 0) }
        for axis in [0, 1, 2, -1] {
            try check1("stack axis \(axis)", [r.uniform([2, 3]), r.uniform([2, 3])]) { try stack($0, axis: axis) }
        }
        try check1("pad", [r.uniform([2, 3])]) { try pad($0[0], [(0, 0), (1, 2)], value: 0) }
        try check1("pad 3-D value", [x]) { try pad($0[0], [(1, 0), (0, 1), (2, 0)], value: 1.5) }
    }

    @Test func convolution() throws {
        var r = Inputs(seed: 8)
        for padding in [Padding.same, .valid] {
            for strides in [1, 2] {
                let x = r.uniform([2, 5, 5, 2]), k = r.uniform([3, 3, 2, 3], -0.5, 0.5), b = r.uniform([3])
                try check1("conv2d \(padding) s\(strides) bias", [x, k, b]) {
                    try conv2d($0[0], $0[1], bias: $0[2], strides: Size2D(strides), padding: padding)
                }
                try check1("conv2d \(padding) s\(strides)", [x, k]) {
                    try conv2d($0[0], $0[1], strides: Size2D(strides), padding: padding)
                }
            }
        }
        try check1("conv2d 2x3 same s2 on 4x5", [r.uniform([1, 4, 5, 2]), r.uniform([2, 3, 2, 2], -0.5, 0.5)]) {
            try conv2d($0[0], $0[1], strides: 2, padding: .same)
        }
    }

    @Test func pooling() throws {
        var r = Inputs(seed: 9)
        let cases: [([Int], Int, Int, Padding)] = [
            ([2, 4, 4, 2], 2, 2, .valid), ([1, 7, 7, 2], 3, 2, .same), ([1, 5, 5, 1], 3, 1, .same), ([1, 5, 5, 2], 2, 2, .same),
        ]
        for (shape, pool, strides, padding) in cases {
            let x = r.distinct(shape, spacing: 0.05)
            try check1("maxPool2d \(shape) p\(pool) s\(strides) \(padding)", [x]) {
                try maxPool2d($0[0], poolSize: Size2D(pool), strides: Size2D(strides), padding: padding)
            }
            try check1("avgPool2d \(shape) p\(pool) s\(strides) \(padding)", [x]) {
                try avgPool2d($0[0], poolSize: Size2D(pool), strides: Size2D(strides), padding: padding)
            }
        }
    }

    @Test func normalization() throws {
        var r = Inputs(seed: 10)
        for shape in [[2, 3, 3, 4], [5, 3]] {
            let c = shape.last!
            let inputs = [r.uniform(shape, -2, 2), r.uniform([c], -0.5, 0.5), r.uniform([c], 0.5, 2), r.uniform([c]), r.uniform([c], 0.5, 1.5)]
            try check1("batchNormalization \(shape)", inputs) {
                try batchNormalization($0[0], mean: $0[1], variance: $0[2], offset: $0[3], scale: $0[4], epsilon: 1e-3)
            }
        }
        for (shape, axes) in [([2, 3, 3, 4], [0, 1, 2]), ([5, 3], [0]), ([3, 4], [-1])] {
            try check("moments \(shape) \(axes)", [r.uniform(shape, -2, 2)]) {
                let (mean, variance) = try moments($0[0], axes: axes)
                return [mean, variance]
            }
        }
    }

    @Test func dropoutWithAFixedSeed() throws {
        var r = Inputs(seed: 11)
        // The same seed gives the same mask on every call, so the op is linear in x.
        try check1("dropout", [r.uniform([4, 5])]) { try dropout($0[0], rate: 0.5, seed: 7) }
    }

    @Test func dropoutMask() throws {
        let x = try Tensor(shape: [50, 40], scalars: (0..<2000).map { Float($0 % 7) + 1 })
        let y = try dropout(x, rate: 0.25, seed: 3)
        let again = try dropout(x, rate: 0.25, seed: 3)
        #expect(y.scalars == again.scalars, "the same seed drops the same elements")
        let other = try dropout(x, rate: 0.25, seed: 4)
        #expect(y.scalars != other.scalars, "another seed drops others")
        var kept = 0
        for (out, value) in zip(y.scalars, x.scalars) {
            if out != 0 {
                kept += 1
                #expect(abs(out - value / 0.75) <= 1e-5 * value, "kept \(value) became \(out), not \(value / 0.75)")
            }
        }
        #expect(abs(Double(kept) / 2000 - 0.75) < 0.05, "kept \(kept) of 2000 at rate 0.25")
        #expect(try dropout(x, rate: 0, seed: 1).scalars == x.scalars, "rate 0 is the identity")
        #expect(throws: (any Error).self, "rate 1") { try dropout(x, rate: 1, seed: 1) }
        #expect(throws: (any Error).self, "rate -0.1") { try dropout(x, rate: -0.1, seed: 1) }
    }

    @Test func aComposition() throws {
        var r = Inputs(seed: 12)
        let x = r.uniform([4, 3]), w = r.uniform([3, 2]), b = r.uniform([2]), y = r.uniform([4, 2])
        try check1("mean(square(tanh(x·w + b) − y))", [x, w, b]) {
            try mean(square(tanh(matmul($0[0], $0[1]) + $0[2]) - y), axes: nil, keepDims: false)
        }
        // One input read twice: the gradients of both reads add up.
        try check1("x * x + sigmoid(x)", [x]) { try $0[0] * $0[0] + sigmoid($0[0]) }
    }
}
