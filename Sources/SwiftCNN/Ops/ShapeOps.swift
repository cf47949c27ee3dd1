/// Ops that move elements without changing them, as `keras.ops.reshape`/`transpose`/
/// `slice`/`take`/`pad`: each gradient moves the output's gradient back.

/// Row-major strides of `shape`.
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var stride = 1
    for axis in Swift.stride(from: shape.count - 1, through: 0, by: -1) {
        strides[axis] = stride
        stride *= shape[axis]
    }
    return strides
}

extension Tensor {
    /// The same values under another shape of the same element count; `-1` infers one
    /// axis. Records its gradient when the tensor is tracked.
    public func reshaped(_ newShape: [Int]) throws -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.map(\.element).reduce(1, *)
            guard known > 0, count % known == 0, newShape.filter({ $0 == -1 }).count == 1 else {
                throw SwiftCNNError("reshape: cannot reshape \(describe(shape)) to \(describe(newShape))")
            }
            target[inferred] = count / known
        }
        guard target.allSatisfy({ $0 >= 0 }), target.reduce(1, *) == count else {
            throw SwiftCNNError("reshape: cannot reshape \(describe(shape)) to \(describe(newShape))")
        }
        var result = Tensor(shape: target, storage: storage)
        result.record(ReshapeGradient.shared, self)?.saved = .inputShape(shape)
        return result
    }

    /// The axes reordered: output axis i is input axis `permutation[i]` (default: all
    /// axes reversed), as `tf.transpose`.
    public func transposed(permutation: [Int]? = nil) throws -> Tensor {
        let permutation = permutation ?? Array((0..<rank).reversed())
        guard permutation.count == rank, permutation.sorted() == Array(0..<rank) else {
            throw SwiftCNNError("transpose: \(permutation) is not a permutation of the \(rank) axes of \(describe(shape))")
        }
        var result = permuted(permutation)
        result.record(TransposeGradient.shared, self)?.saved = .permutation(permutation)
        return result
    }

    /// The values moved to `permutation`'s order, without autograd.
    func permuted(_ permutation: [Int]) -> Tensor {
        let outputShape = permutation.map { shape[$0] }
        let inputStrides = rowMajorStrides(shape)
        let strides = permutation.map { inputStrides[$0] }
        let result = Tensor(uninitializedShape: outputShape)
        let inner = outputShape.last ?? 1
        let innerStride = strides.last ?? 1
        let (source, target) = (pointer, result.pointer)
        forEachRow(of: outputShape, strides: [strides]) { row, offsets in
            let (from, to) = (source + offsets[0], target + row * inner)
            for j in 0..<inner { to[j] = from[j * innerStride] }
        }
        withExtendedLifetime(self) {}
        return result
    }

    /// The block starting at `begin` of `size` elements per axis (-1: to the end), as
    /// `tf.slice`.
    public func slice(begin: [Int], size: [Int]) throws -> Tensor {
        guard begin.count == rank, size.count == rank else {
            throw SwiftCNNError("slice: begin \(begin) and size \(size) must both have \(rank) entries for shape \(describe(shape))")
        }
        var outputShape: [Int] = []
        for axis in 0..<rank {
            let extent = size[axis] == -1 ? shape[axis] - begin[axis] : size[axis]
            guard begin[axis] >= 0, extent >= 0, begin[axis] + extent <= shape[axis] else {
                throw SwiftCNNError("slice: begin \(begin) with size \(size) is out of bounds for shape \(describe(shape))")
            }
            outputShape.append(extent)
        }
        var result = copyBlock(from: self, at: begin, shape: outputShape)
        result.record(SliceGradient.shared, self)?.saved = .slice(inputShape: shape, begin: begin)
        return result
    }
}

/// The block of `source` at `origin` of `shape`, copied out, without autograd.
func copyBlock(from source: Tensor, at origin: [Int], shape: [Int]) -> Tensor {
    let result = Tensor(uninitializedShape: shape)
    let strides = rowMajorStrides(source.shape)
    let base = zip(origin, strides).reduce(0) { $0 + $1.0 * $1.1 }
    let inner = shape.last ?? 1
    let (from, to) = (source.pointer + base, result.pointer)
    forEachRow(of: shape, strides: [strides.isEmpty ? [] : strides]) { row, offsets in
        (to + row * inner).update(from: from + offsets[0], count: inner)
    }
    withExtendedLifetime(source) {}
    return result
}

/// `block` written into `target` at `origin`, without autograd.
func writeBlock(_ block: Tensor, into target: Tensor, at origin: [Int]) {
    let strides = rowMajorStrides(target.shape)
    let base = zip(origin, strides).reduce(0) { $0 + $1.0 * $1.1 }
    let inner = block.shape.last ?? 1
    let (from, to) = (block.pointer, target.pointer + base)
    forEachRow(of: block.shape, strides: [strides]) { row, offsets in
        (to + offsets[0]).update(from: from + row * inner, count: inner)
    }
    withExtendedLifetime((block, target)) {}
}

/// The slices `indices` of `x` along `axis`, as `tf.gather`; repeated indices add their
/// gradients.
public func gather(_ x: some TensorOperand, indices: [Int], axis: Int = 0) throws -> Tensor {
    let input = x.operand
    let resolved = try normalizedAxis(axis, rank: input.rank, op: "gather")
    let (outer, n, inner) = extents(input.shape, around: resolved)
    for index in indices where index < 0 || index >= n {
        throw SwiftCNNError("gather: index \(index) is out of range for axis \(axis) of size \(n) in \(describe(input.shape))")
    }
    var shape = input.shape
    shape[resolved] = indices.count
    var result = Tensor(uninitializedShape: shape)
    for o in 0..<outer {
        for (k, index) in indices.enumerated() {
            (result.pointer + (o * indices.count + k) * inner).update(from: input.pointer + (o * n + index) * inner, count: inner)
        }
    }
    result.record(GatherGradient.shared, input)?.saved = .gather(inputShape: input.shape, axis: resolved, indices: indices)
    return result
}

/// `x` with `paddings[axis] = (before, after)` elements of `value` around each axis, as
/// `tf.pad` in constant mode.
public func pad(_ x: some TensorOperand, _ paddings: [(Int, Int)], value: Float = 0) throws -> Tensor {
    let input = x.operand
    guard paddings.count == input.rank, paddings.allSatisfy({ $0.0 >= 0 && $0.1 >= 0 }) else {
        throw SwiftCNNError("pad: needs one non-negative (before, after) pair per axis of \(describe(input.shape)), got \(paddings)")
    }
    let shape = zip(input.shape, paddings).map { $0 + $1.0 + $1.1 }
    var result = Tensor(shape: shape, repeating: value)
    let before = paddings.map(\.0)
    writeBlock(input, into: result, at: before)
    result.record(PadGradient.shared, input)?.saved = .pad(inputShape: input.shape, before: before)
    return result
}

/// A reshape's gradient is the output gradient in the input's shape.
final class ReshapeGradient: BackwardRule, Sendable {
    static let shared = ReshapeGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .inputShape(shape) = node.saved else { throw SavedForBackward.mismatch("reshape") }
        node.send(Tensor(shape: shape, storage: gradient.storage), toInput: 0)
    }
}

/// A transpose's gradient is the output gradient transposed back.
final class TransposeGradient: BackwardRule, Sendable {
    static let shared = TransposeGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .permutation(permutation) = node.saved else { throw SavedForBackward.mismatch("transpose") }
        var inverse = [Int](repeating: 0, count: permutation.count)
        for (i, axis) in permutation.enumerated() { inverse[axis] = i }
        node.send(gradient.permuted(inverse), toInput: 0)
    }
}

/// A slice's gradient: the output gradient in its place, zeros elsewhere.
final class SliceGradient: BackwardRule, Sendable {
    static let shared = SliceGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .slice(shape, begin) = node.saved else { throw SavedForBackward.mismatch("slice") }
        let dx = Tensor(shape: shape, repeating: 0)
        writeBlock(gradient, into: dx, at: begin)
        node.send(dx, toInput: 0)
    }
}

/// A pad's gradient: the block of the output gradient where the input was.
final class PadGradient: BackwardRule, Sendable {
    static let shared = PadGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .pad(shape, before) = node.saved else { throw SavedForBackward.mismatch("pad") }
        node.send(copyBlock(from: gradient, at: before, shape: shape), toInput: 0)
    }
}

/// A gather's gradient: each gathered slice's gradient added back at its index.
final class GatherGradient: BackwardRule, Sendable {
    static let shared = GatherGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .gather(shape, axis, indices) = node.saved else { throw SavedForBackward.mismatch("gather") }
        let (outer, n, inner) = extents(shape, around: axis)
        let dx = Tensor(shape: shape, repeating: 0)
        for o in 0..<outer {
            for (k, index) in indices.enumerated() {
                let (from, to) = (gradient.pointer + (o * indices.count + k) * inner, dx.pointer + (o * n + index) * inner)
                for j in 0..<inner { to[j] += from[j] }
            }
        }
        node.send(dx, toInput: 0)
    }
}
