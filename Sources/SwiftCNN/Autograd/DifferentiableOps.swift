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
    result.record(tensors) { gradient in Array(repeating: gradient, count: tensors.count) }
    return result
}

public func + (lhs: Tensor, rhs: Tensor) throws -> Tensor { try add([lhs, rhs]) }

/// Joins tensors along their last axis (channels for NHWC images), as `tf.concat(…, axis=3)`.
public func concatenate(_ tensors: [Tensor], op: String = "concatenate") throws -> Tensor {
    guard let first = tensors.first else { throw SwiftCNNError("\(op): needs at least one tensor") }
    let outer = Array(first.shape.dropLast())
    for t in tensors where Array(t.shape.dropLast()) != outer || t.rank == 0 {
        throw SwiftCNNError.shapeMismatch(
            op, "all shapes must agree except in the last axis; got \(tensors.map { describe($0.shape) }.joined(separator: " and "))")
    }
    let widths = tensors.map { $0.shape.last ?? 1 }
    let total = widths.reduce(0, +)
    let rows = outer.reduce(1, *)
    var result = Tensor(uninitializedShape: outer + [total])
    var offset = 0
    for (t, width) in zip(tensors, widths) {
        for r in 0..<rows {
            (result.pointer + r * total + offset).update(from: t.pointer + r * width, count: width)
        }
        offset += width
    }
    result.record(tensors) { gradient in
        var parts: [Tensor?] = []
        var offset = 0
        for (t, width) in zip(tensors, widths) {
            let part = Tensor(uninitializedShape: t.shape)
            for r in 0..<rows {
                (part.pointer + r * width).update(from: gradient.pointer + r * total + offset, count: width)
            }
            parts.append(part)
            offset += width
        }
        return parts
    }
    return result
}

extension Tensor {
    /// `reshaped` that passes gradients back in the original shape.
    func reshapedRecording(_ newShape: [Int]) throws -> Tensor {
        let originalShape = shape
        var result = try detached.reshaped(newShape)
        result.record([self]) { gradient in [try gradient.reshaped(originalShape)] }
        return result
    }
}
