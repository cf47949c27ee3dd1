import CSwiftCNNSupport

/// Ops over several tensors: the sum of a list (ResNet's residual, the `Add` layer),
/// `concatenate` (Inception's channel join, the `Concatenate` layer) and `stack`.

/// The elementwise sum of tensors of one shape.
public func add(_ tensors: [Tensor]) throws -> Tensor { try add(tensors, op: "add") }

/// `add`, naming `op` (a layer's display name) in its errors.
func add(_ tensors: [Tensor], op: String) throws -> Tensor {
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

/// A sum passes its gradient unchanged to every input.
final class SumGradient: BackwardRule, Sendable {
    static let shared = SumGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) {
        for index in node.inputs.indices { node.send(gradient, toInput: index) }
    }
}

/// Joins tensors along `axis` (the last, channels for NHWC images, by default), as
/// `tf.concat`; all other sizes must agree.
public func concatenate(_ tensors: [Tensor], axis: Int = -1) throws -> Tensor {
    try concatenate(tensors, axis: axis, op: "concatenate")
}

/// `concatenate`, naming `op` (a layer's display name) in its errors.
func concatenate(_ tensors: [Tensor], axis: Int = -1, op: String) throws -> Tensor {
    guard let first = tensors.first else { throw SwiftCNNError("\(op): needs at least one tensor") }
    let rank = first.rank
    let resolved = try normalizedAxis(axis, rank: rank, op: op)
    var total = 0
    for t in tensors {
        var same = t.rank == rank
        if same { for a in 0..<rank where a != resolved && t.shape[a] != first.shape[a] { same = false } }
        guard same else {
            throw SwiftCNNError.shapeMismatch(
                op, "all shapes must agree except in axis \(axis); got \(tensors.map { describe($0.shape) }.joined(separator: " and "))")
        }
        total += t.shape[resolved]
    }
    let (outer, _, inner) = extents(first.shape, around: resolved)
    var result = Tensor(uninitializedShape: Shapes.replacing(resolved, of: first.shape, with: total))
    var offset = 0
    for t in tensors {
        let size = t.shape[resolved]
        copyColumns(t.pointer, width: size * inner, into: result.pointer + offset * inner, targetWidth: total * inner, rows: outer)
        offset += size
    }
    result.record(ConcatenationGradient.shared, inputs: tensors)?.saved = .joined(axis: resolved, sizes: joinedSizes(tensors, axis: resolved))
    if resolved == rank - 1 { GraphTrace.current?.record(.concatenate, tensors, result) }
    return result
}

/// The sizes along `axis` of the tensors a concatenation joined, for its backward pass.
/// Up to four (an Inception block's branches) come from the shape table, so a training
/// step allocates nothing here.
private func joinedSizes(_ tensors: [Tensor], axis: Int) -> [Int] {
    guard tensors.count <= Shapes.Key.capacity else { return tensors.map { $0.shape[axis] } }
    var key = Shapes.Key(0)
    key.rank = tensors.count
    for (index, t) in tensors.enumerated() { key[index] = t.shape[axis] }
    return Shapes.of(key)
}

/// Tensors of one shape joined along a new axis `axis`, as `tf.stack`.
public func stack(_ tensors: [Tensor], axis: Int = 0) throws -> Tensor {
    guard let first = tensors.first else { throw SwiftCNNError("stack: needs at least one tensor") }
    for t in tensors.dropFirst() where t.shape != first.shape {
        throw SwiftCNNError.shapeMismatch("stack", "shapes \(describe(first.shape)) and \(describe(t.shape)) differ")
    }
    let resolved = try normalizedAxis(axis, rank: first.rank + 1, op: "stack")
    var expanded = first.shape
    expanded.insert(1, at: resolved)
    return try concatenate(try tensors.map { try $0.reshaped(expanded) }, axis: resolved, op: "stack")
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

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .joined(axis, sizes) = node.saved else { throw SavedForBackward.mismatch("concatenate") }
        let total = gradient.shape[axis]
        let (outer, _, inner) = extents(gradient.shape, around: axis)
        var offset = 0
        for (index, size) in sizes.enumerated() {
            if node.needsGradient(index) {
                let part = Tensor(uninitializedShape: Shapes.replacing(axis, of: gradient.shape, with: size))
                copyColumns(
                    gradient.pointer + offset * inner, sourceWidth: total * inner, width: size * inner, into: part.pointer,
                    targetWidth: size * inner, rows: outer)
                node.send(part, toInput: index, exclusive: true)
            }
            offset += size
        }
    }
}
