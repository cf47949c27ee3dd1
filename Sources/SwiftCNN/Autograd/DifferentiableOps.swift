import CSwiftCNNSupport

/// Ops between tensors that record their own backward rule: the combinators the course's
/// Inception (channel concatenation) and ResNet (residual addition) need, and reshaping.

/// Elementwise sum of tensors of identical shape (ResNet's `y + residual`).
public func add(_ tensors: [Tensor], op: String = "add") throws -> Tensor {
    guard let first = tensors.first else { throw SwiftCNNError("\(op): needs at least one tensor") }
    for t in tensors.dropFirst() where t.shape != first.shape {
        throw SwiftCNNError.shapeMismatch(op, "shapes \(describe(first.shape)) and \(describe(t.shape)) differ")
    }
    var result = first.detached
    for t in tensors.dropFirst() { result = result.adding(t) }
    result.gradNode = nil
    _ = result.record(SumGradient.shared, inputs: tensors)
    GraphTrace.current?.record(.add, tensors, result)
    return result
}

/// The elementwise sum of two tensors of the same shape (ResNet's `y + residual`),
/// recording its backward rule.
public func + (lhs: Tensor, rhs: Tensor) throws -> Tensor {
    guard lhs.shape == rhs.shape else {
        throw SwiftCNNError.shapeMismatch("add", "shapes \(describe(lhs.shape)) and \(describe(rhs.shape)) differ")
    }
    var result = lhs.adding(rhs)
    _ = result.record(SumGradient.shared, lhs, rhs)
    GraphTrace.current?.record(.add, [lhs, rhs], result)
    return result
}

/// A sum passes its gradient unchanged to every input.
final class SumGradient: BackwardRule, Sendable {
    static let shared = SumGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) {
        for index in node.inputs.indices { node.send(gradient, toInput: index) }
    }
}

/// Joins tensors along their last axis (channels for NHWC images), as `tf.concat(…, axis=3)`.
public func concatenate(_ tensors: [Tensor], op: String = "concatenate") throws -> Tensor {
    guard let first = tensors.first else { throw SwiftCNNError("\(op): needs at least one tensor") }
    let rank = first.rank
    var total = 0
    for t in tensors {
        guard rank > 0, t.rank == rank, t.shape.prefix(rank - 1) == first.shape.prefix(rank - 1) else {
            throw SwiftCNNError.shapeMismatch(
                op, "all shapes must agree except in the last axis; got \(tensors.map { describe($0.shape) }.joined(separator: " and "))")
        }
        total += t.shape[rank - 1]
    }
    let rows = first.shape.prefix(rank - 1).reduce(1, *)
    var result = Tensor(uninitializedShape: Shapes.replacing(rank - 1, of: first.shape, with: total))
    var offset = 0
    for t in tensors {
        copyColumns(t.pointer, width: t.shape[rank - 1], into: result.pointer + offset, targetWidth: total, rows: rows)
        offset += t.shape[rank - 1]
    }
    if let node = result.record(ConcatenationGradient.shared, inputs: tensors) {
        // Only their shapes are read; the tensors are alive anyway as the branches' outputs.
        for t in tensors { node.save(t) }
    }
    GraphTrace.current?.record(.concatenate, tensors, result)
    return result
}

/// Copies `width` columns of `rows` rows between row-major matrices, rows split over the pool.
private func copyColumns(
    _ source: UnsafePointer<Float>, sourceWidth: Int? = nil, width: Int, into target: UnsafeMutablePointer<Float>,
    targetWidth: Int, rows: Int
) {
    let sourceWidth = sourceWidth ?? width
    ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 15, work: rows * width) { _, range in
        swiftcnn_copy_columns(
            source + range.lowerBound * sourceWidth, sourceWidth, target + range.lowerBound * targetWidth, targetWidth,
            range.count, width)
    }
}

/// Cuts the gradient of a concatenation back into one slice per input.
final class ConcatenationGradient: BackwardRule, Sendable {
    static let shared = ConcatenationGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) {
        let rank = gradient.rank
        let total = gradient.shape[rank - 1]
        let rows = gradient.shape.prefix(rank - 1).reduce(1, *)
        var offset = 0
        for (index, input) in node.saved.enumerated() {
            let width = input.shape[rank - 1]
            if node.needsGradient(index) {
                let part = Tensor(uninitializedShape: input.shape)
                copyColumns(gradient.pointer + offset, sourceWidth: total, width: width, into: part.pointer, targetWidth: width, rows: rows)
                node.send(part, toInput: index)
            }
            offset += width
        }
    }
}

extension Tensor {
    /// `reshaped` that passes gradients back in the original shape.
    func reshapedRecording(_ newShape: [Int]) throws -> Tensor {
        var result = try detached.reshaped(newShape)
        result.record(ReshapeGradient.shared, self)?.savedShape = shape
        return result
    }
}

/// A reshape's gradient is the output gradient in the input's shape.
final class ReshapeGradient: BackwardRule, Sendable {
    static let shared = ReshapeGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        node.send(try gradient.reshaped(node.savedShape), toInput: 0)
    }
}
