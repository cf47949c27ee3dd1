import Foundation
import SwiftCNN
import Testing

/// NumPy broadcasting for the binary ops (result shapes and values), and the errors bad
/// shapes, axes, permutations, slices and indices raise: each must throw a one-line error
/// (naming the shapes involved where the brief asks for it), never trap.
@Suite struct OpsBroadcastingTests {
    static let binaryOps: [(String, @Sendable (Tensor, Tensor) throws -> Tensor)] = [
        ("add", { try $0 + $1 }), ("subtract", { try $0 - $1 }), ("multiply", { try $0 * $1 }),
        ("divide", { try $0 / $1 }), ("maximum", { try maximum($0, $1) }), ("minimum", { try minimum($0, $1) }),
        ("pow", { try pow($0, $1) }),
    ]
    static let scalarOps: [@Sendable (Float, Float) -> Float] = [
        { $0 + $1 }, { $0 - $1 }, { $0 * $1 }, { $0 / $1 }, { Swift.max($0, $1) }, { Swift.min($0, $1) }, { Foundation.pow($0, $1) },
    ]

    /// (lhs, rhs, result) under NumPy's rules.
    static let compatible: [([Int], [Int], [Int])] = [
        ([2, 3], [2, 3], [2, 3]), ([2, 3], [3], [2, 3]), ([3], [2, 3], [2, 3]),
        ([2, 1, 4], [3, 1], [2, 3, 4]), ([3, 1], [2, 1, 4], [2, 3, 4]), ([4, 1], [1, 3], [4, 3]),
        ([5, 1, 3], [4, 1], [5, 4, 3]), ([], [2, 3], [2, 3]), ([2, 3], [], [2, 3]), ([], [], []),
        ([1], [2, 3], [2, 3]), ([1, 1], [], [1, 1]), ([2, 1, 1, 3], [1, 4, 1], [2, 1, 4, 3]),
        ([6, 1, 5], [6, 7, 1], [6, 7, 5]), ([1, 2, 1], [3, 1, 1, 4], [3, 1, 2, 4]),
    ]

    static let incompatible: [([Int], [Int])] = [
        ([2, 3], [4]), ([2, 3], [3, 2]), ([2, 1, 4], [3, 2]), ([3], [4]), ([2, 3, 4], [2, 4]), ([5, 2], [5, 1, 3]),
    ]

    /// Positive values counting up (so pow and divide are finite).
    static func ramp(_ shape: [Int], from start: Float) -> Tensor {
        let count = shape.reduce(1, *)
        return try! Tensor(shape: shape, scalars: (0..<count).map { start + Float($0) * 0.25 })
    }

    /// The result of `f` under broadcasting, computed index by index.
    static func reference(_ a: Tensor, _ b: Tensor, _ shape: [Int], _ f: (Float, Float) -> Float) -> [Float] {
        let count = shape.reduce(1, *)
        let av = a.scalars, bv = b.scalars
        func offset(_ index: [Int], in s: [Int]) -> Int {
            var result = 0
            let lead = index.count - s.count
            for (axis, size) in s.enumerated() { result = result * size + (size == 1 ? 0 : index[lead + axis]) }
            return result
        }
        var out: [Float] = []
        for flat in 0..<count {
            var index = [Int](repeating: 0, count: shape.count)
            var rest = flat
            for axis in shape.indices.reversed() {
                index[axis] = rest % shape[axis]
                rest /= shape[axis]
            }
            out.append(f(av[offset(index, in: a.shape)], bv[offset(index, in: b.shape)]))
        }
        return out
    }

    @Test(arguments: compatible.indices) func resultShapesAndValues(_ i: Int) throws {
        let (sa, sb, expected) = Self.compatible[i]
        let a = Self.ramp(sa, from: 0.5), b = Self.ramp(sb, from: 1.25)
        for ((name, op), scalarOp) in zip(Self.binaryOps, Self.scalarOps) {
            let result = try op(a, b)
            #expect(result.shape == expected, "\(name) \(sa) ⊕ \(sb): shape \(result.shape), expected \(expected)")
            guard result.shape == expected else { continue }
            let want = Self.reference(a, b, expected, scalarOp)
            let got = result.scalars
            let worst = zip(got, want).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
            #expect(worst <= 1e-5, "\(name) \(sa) ⊕ \(sb): values off by \(worst): \(got) vs \(want)")
        }
    }

    /// Whether `message` names `shape` in one of the usual spellings.
    static func names(_ message: String, _ shape: [Int]) -> Bool {
        let inner = shape.map(String.init)
        let spellings = [
            "[\(inner.joined(separator: ", "))]", "[\(inner.joined(separator: ","))]",
            "(\(inner.joined(separator: ", ")))", "(\(inner.joined(separator: ",")))",
            shape.count == 1 ? "(\(shape[0]),)" : "[\(inner.joined(separator: ", "))]",
        ]
        return spellings.contains { message.contains($0) }
    }

    /// Runs `body`, which must throw a one-line error; returns its message.
    @discardableResult
    static func message(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any
    ) -> String? {
        do {
            let value = try body()
            Issue.record("\(what): did not throw, returned \(value)", sourceLocation: sourceLocation)
            return nil
        } catch {
            let text = "\(error)"
            #expect(!text.isEmpty && !text.contains("\n"), "\(what): error is not one line: \(text)", sourceLocation: sourceLocation)
            return text
        }
    }

    @Test(arguments: incompatible.indices) func incompatibleShapesThrowNamingBoth(_ i: Int) {
        let (sa, sb) = Self.incompatible[i]
        let a = Self.ramp(sa, from: 0.5), b = Self.ramp(sb, from: 1.25)
        for (name, op) in Self.binaryOps {
            guard let text = Self.message("\(name) \(sa) ⊕ \(sb)", { try op(a, b) }) else { continue }
            #expect(Self.names(text, sa) && Self.names(text, sb), "\(name) \(sa) ⊕ \(sb): message does not name both shapes: \(text)")
            #expect(text.lowercased().contains(name.prefix(3)), "\(name): message does not name the op: \(text)")
        }
    }

    @Test func matmulShapes() throws {
        let cases: [([Int], [Int], [Int])] = [
            ([3, 4], [4, 5], [3, 5]), ([2, 3, 4], [2, 4, 5], [2, 3, 5]), ([2, 1, 3, 4], [3, 4, 2], [2, 3, 3, 2]),
            ([3, 4], [2, 4, 5], [2, 3, 5]), ([2, 3, 4], [4, 2], [2, 3, 2]), ([1, 2, 3], [4, 3, 2], [4, 2, 2]),
        ]
        for (sa, sb, expected) in cases {
            let result = try matmul(Self.ramp(sa, from: 0), Self.ramp(sb, from: 0))
            #expect(result.shape == expected, "matmul \(sa) · \(sb): \(result.shape), expected \(expected)")
        }
        // Values of a broadcast batch: each batch is the 2-D product.
        let a = Self.ramp([2, 1, 2, 3], from: -1), b = Self.ramp([3, 3, 2], from: 0.5)
        let c = try matmul(a, b)
        let av = a.scalars, bv = b.scalars, cv = c.scalars
        var worst: Float = 0
        for i in 0..<2 {
            for j in 0..<3 {
                for r in 0..<2 {
                    for col in 0..<2 {
                        var s: Float = 0
                        for k in 0..<3 { s += av[i * 6 + r * 3 + k] * bv[j * 6 + k * 2 + col] }
                        worst = Swift.max(worst, abs(s - cv[((i * 3 + j) * 2 + r) * 2 + col]))
                    }
                }
            }
        }
        #expect(worst <= 1e-5, "broadcast matmul values off by \(worst)")
    }

    @Test func matmulMismatchThrows() {
        for (sa, sb) in [([2, 3], [4, 5]), ([2, 3, 4], [3, 4, 5]), ([3, 4], [5, 4]), ([2, 2, 3], [2, 4, 1])] {
            guard let text = Self.message("matmul \(sa) · \(sb)", { try matmul(Self.ramp(sa, from: 0), Self.ramp(sb, from: 0)) })
            else { continue }
            #expect(Self.names(text, sa) && Self.names(text, sb), "matmul \(sa) · \(sb): message does not name both shapes: \(text)")
        }
    }

    @Test func badAxesThrow() {
        let x = Self.ramp([2, 3], from: 0)
        let y = Self.ramp([2, 3, 4], from: 0)
        Self.message("sum axes [2] of rank 2") { try sum(x, axes: [2], keepDims: false) }
        Self.message("sum axes [-3] of rank 2") { try sum(x, axes: [-3], keepDims: false) }
        Self.message("mean axes [3] of rank 3") { try mean(y, axes: [3], keepDims: true) }
        Self.message("max axes [0, 5]") { try max(y, axes: [0, 5], keepDims: false) }
        Self.message("min axes [-4]") { try min(y, axes: [-4], keepDims: false) }
        Self.message("softmax axis 2 of rank 2") { try softmax(x, axis: 2) }
        Self.message("logSoftmax axis -3 of rank 2") { try logSoftmax(x, axis: -3) }
        Self.message("argmax axis 2 of rank 2") { try argmax(x, axis: 2) }
        Self.message("concatenate axis 2 of rank 2") { try concatenate([x, x], axis: 2) }
        Self.message("concatenate axis -3 of rank 2") { try concatenate([x, x], axis: -3) }
        Self.message("stack axis 3 of rank 2") { try stack([x, x], axis: 3) }
        Self.message("stack axis -4 of rank 2") { try stack([x, x], axis: -4) }
        Self.message("gather axis 2 of rank 2") { try gather(x, indices: [0], axis: 2) }
        Self.message("moments axes [4]") { try moments(y, axes: [4]).mean }
    }

    @Test func badPermutationsThrow() {
        let x = Self.ramp([2, 3], from: 0)
        for permutation in [[0, 0], [0, 1, 2], [0, 2], [1], [], [2, 0]] {
            Self.message("transpose \(permutation) of rank 2") { try x.transposed(permutation: permutation) }
        }
        let y = Self.ramp([2, 3, 4], from: 0)
        Self.message("transpose [0, 1, 1] of rank 3") { try y.transposed(permutation: [0, 1, 1]) }
    }

    @Test func badSlicesThrow() {
        let x = Self.ramp([2, 3], from: 0)
        Self.message("slice begin [0, 3] size [1, 1] of [2, 3]") { try x.slice(begin: [0, 3], size: [1, 1]) }
        Self.message("slice begin [0, 2] size [1, 2] of [2, 3]") { try x.slice(begin: [0, 2], size: [1, 2]) }
        Self.message("slice size [3, 1] of [2, 3]") { try x.slice(begin: [0, 0], size: [3, 1]) }
        Self.message("slice begin [-1, 0]") { try x.slice(begin: [-1, 0], size: [1, 1]) }
        Self.message("slice size [-2, 1]") { try x.slice(begin: [0, 0], size: [-2, 1]) }
        Self.message("slice begin of rank 1 on rank 2") { try x.slice(begin: [0], size: [1]) }
        Self.message("slice begin and size of different ranks") { try x.slice(begin: [0, 0], size: [1]) }
    }

    @Test func badGathersThrow() {
        let x = Self.ramp([3, 4], from: 0)
        Self.message("gather index 3 on axis 0 of size 3") { try gather(x, indices: [0, 3], axis: 0) }
        Self.message("gather index 4 on axis 1 of size 4") { try gather(x, indices: [4], axis: 1) }
        Self.message("gather index -1") { try gather(x, indices: [-1], axis: 0) }
        Self.message("gather index 100 on axis -1") { try gather(x, indices: [1, 100], axis: -1) }
    }

    @Test func otherShapeErrorsThrow() {
        let x = Self.ramp([2, 3], from: 0)
        Self.message("reshape 6 scalars to [4, 2]") { try x.reshaped([4, 2]) }
        Self.message("reshape with two -1") { try x.reshaped([-1, -1]) }
        Self.message("concatenate [2, 3] and [3, 3] on axis 1") { try concatenate([x, Self.ramp([3, 3], from: 0)], axis: 1) }
        Self.message("concatenate ranks 2 and 1") { try concatenate([x, Self.ramp([3], from: 0)], axis: 0) }
        Self.message("concatenate nothing") { try concatenate([], axis: 0) }
        Self.message("stack [2, 3] and [3, 2]") { try stack([x, Self.ramp([3, 2], from: 0)], axis: 0) }
        Self.message("stack nothing") { try stack([], axis: 0) }
        Self.message("pad with one pair for rank 2") { try pad(x, [(1, 1)], value: 0) }
        Self.message("pad with a negative amount") { try pad(x, [(0, 0), (-1, 0)], value: 0) }
        let image = Self.ramp([1, 4, 4, 3], from: 0)
        Self.message("conv2d 3 channels with a kernel for 2") {
            try conv2d(image, Self.ramp([3, 3, 2, 4], from: 0), strides: 1, padding: .same)
        }
        Self.message("conv2d bias of 3 for 4 filters") {
            try conv2d(image, Self.ramp([3, 3, 3, 4], from: 0), bias: Self.ramp([3], from: 0), strides: 1, padding: .same)
        }
        Self.message("conv2d on a rank-3 input") {
            try conv2d(Self.ramp([4, 4, 3], from: 0), Self.ramp([3, 3, 3, 4], from: 0), strides: 1, padding: .same)
        }
        Self.message("maxPool2d on a rank-2 input") { try maxPool2d(x, poolSize: 2, strides: 2, padding: .valid) }
        Self.message("avgPool2d on a rank-2 input") { try avgPool2d(x, poolSize: 2, strides: 2, padding: .valid) }
        let c4 = Self.ramp([4], from: 0.5), c3 = Self.ramp([3], from: 0.5)
        Self.message("batchNormalization statistics of 3 for 4 channels") {
            try batchNormalization(image.reshaped([1, 4, 3, 4]), mean: c3, variance: c3, offset: c4, scale: c4, epsilon: 1e-3)
        }
    }
}

/// Zero-size tensors and other edge inputs, each in its own process (an exit test), so a
/// trap shows up as one failed expectation instead of ending the test run. Throwing is
/// fine; trapping is not.
@Suite struct OpsNoTrapTests {
    @Test func zeroSizeTensors() async {
        await #expect(processExitsWith: .success) {
            let empty = Tensor(shape: [0, 3])
            let row = Tensor(shape: [3], repeating: 1)
            _ = try? empty + row
            _ = try? sum(empty, axes: [0], keepDims: false)
            _ = try? mean(empty, axes: [0], keepDims: false)
            _ = try? max(empty, axes: [0], keepDims: false)
            _ = try? softmax(empty, axis: -1)
            _ = try? matmul(empty, Tensor(shape: [3, 2]))
            _ = try? Tensor(shape: [2, 3]).slice(begin: [0, 0], size: [0, 3])
            _ = try? concatenate([empty, Tensor(shape: [1, 3])], axis: 0)
            _ = try? empty.transposed()
            _ = try? gather(Tensor(shape: [3, 2]), indices: [], axis: 0)
            _ = try? pad(empty, [(1, 0), (0, 0)], value: 2)
        }
    }

    @Test func degenerateWindows() async {
        await #expect(processExitsWith: .success) {
            let image = Tensor(shape: [1, 2, 2, 1], repeating: 1)
            _ = try? maxPool2d(image, poolSize: 3, strides: 1, padding: .valid)
            _ = try? avgPool2d(image, poolSize: 3, strides: 1, padding: .valid)
            _ = try? conv2d(image, Tensor(shape: [3, 3, 1, 1]), strides: 1, padding: .valid)
            _ = try? maxPool2d(image, poolSize: 2, strides: 0, padding: .valid)
            _ = try? conv2d(image, Tensor(shape: [1, 1, 1, 1]), strides: 0, padding: .same)
        }
    }

    @Test func tapeMisuse() async {
        await #expect(processExitsWith: .success) {
            let tape = GradientTape()
            let w = Parameter(name: "w", value: Tensor(shape: [2], repeating: 1))
            // A target the tape did not record, and one that is not a scalar.
            _ = try? tape.gradient(Tensor(shape: [], repeating: 1), [w])
            let other = GradientTape()
            let y = try? other.record { try w * 2 }
            if let y { _ = try? other.gradient(y, [w]) }
        }
    }
}
