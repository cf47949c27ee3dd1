/// An n-dimensional array of `Float` in row-major order; images are NHWC
/// (Keras's `channels_last`). A value type: copies share storage until one is mutated.
///
/// A tensor produced while training carries a `GradNode` that records how to send
/// gradients back to its inputs; tensors made in inference carry none.
public struct Tensor {
    /// The size of each axis, outermost first (NHWC for images).
    public private(set) var shape: [Int]
    @usableFromInline var storage: TensorStorage
    /// The autograd record of the op that made this tensor, if it was made in training.
    public internal(set) var gradNode: GradNode?
    /// Set by softmax: the logits it was applied to, so a cross-entropy on the
    /// probabilities can work from the logits as Keras does.
    var softmaxLogits: SoftmaxLogits?

    /// A tensor of `shape` filled with `value`.
    public init(shape: [Int], repeating value: Float = 0) {
        self.shape = shape
        storage = TensorStorage.make(count: shape.reduce(1, *), repeating: value)
    }

    /// A tensor of `shape` holding `scalars` in row-major order.
    public init(shape: [Int], scalars: [Float]) throws {
        let count = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), count == scalars.count else {
            throw SwiftCNNError(
                "Tensor: shape \(describe(shape)) needs \(count) scalars, got \(scalars.count)")
        }
        self.shape = shape
        storage = TensorStorage.make(count: count)
        scalars.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: count) }
    }

    /// Uninitialised storage for kernels that write every element.
    @usableFromInline
    init(uninitializedShape shape: [Int]) {
        self.shape = shape
        storage = TensorStorage.make(count: shape.reduce(1, *))
    }

    init(shape: [Int], storage: TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }

    /// The number of scalars.
    public var count: Int { storage.count }
    /// The first element: the value of a scalar tensor such as a loss.
    public var scalar: Float { storage.pointer[0] }
    /// The number of axes.
    public var rank: Int { shape.count }
    /// A copy of the scalars in row-major order.
    public var scalars: [Float] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The tensor's values without its autograd history.
    public var detached: Tensor { Tensor(shape: shape, storage: storage) }

    /// Calls `body` with the scalars in row-major order, without copying.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Calls `body` with the scalars in row-major order to change them in place (copying
    /// first if the storage is shared).
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if storage.isRecycled || !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: storage.count))
    }

    /// Raw access for kernels; callers promise not to write through a shared storage.
    @usableFromInline var pointer: UnsafeMutablePointer<Float> { storage.pointer }

    /// Images `range` of the leading (batch) axis, copied.
    public func slice(batch range: Range<Int>) -> Tensor {
        let per = shape.dropFirst().reduce(1, *)
        let result = Tensor(uninitializedShape: Shapes.replacing(0, of: shape, with: range.count))
        result.pointer.update(from: pointer + range.lowerBound * per, count: range.count * per)
        return result
    }

    /// Rows `indices` of the leading axis, gathered into a new tensor (batching after a shuffle).
    public func gather(batch indices: some Collection<Int>) -> Tensor {
        let per = shape.dropFirst().reduce(1, *)
        let result = Tensor(uninitializedShape: Shapes.replacing(0, of: shape, with: indices.count))
        var out = result.pointer
        for index in indices {
            out.update(from: pointer + index * per, count: per)
            out += per
        }
        return result
    }
}

/// The logits a softmax was applied to (they have the softmax's shape), kept as parts
/// because a `Tensor` cannot hold a `Tensor`.
struct SoftmaxLogits {
    let storage: TensorStorage
    let gradNode: GradNode?

    init(_ logits: Tensor) { (storage, gradNode) = (logits.storage, logits.gradNode) }
}

extension Tensor {
    /// The logits of a softmax output, with their autograd record.
    var logitsOfSoftmax: Tensor? {
        guard let softmaxLogits else { return nil }
        var logits = Tensor(shape: shape, storage: softmaxLogits.storage)
        logits.gradNode = softmaxLogits.gradNode
        return logits
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor(shape: \(describe(shape)), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

extension Tensor {
    /// The largest absolute difference between two tensors of the same shape; NaN when a
    /// NaN meets any value, infinity when the element counts differ.
    public func maxAbsDifference(_ other: Tensor) -> Float {
        guard count == other.count else { return .infinity }
        var worst: Float = 0
        for i in 0..<count {
            let difference = abs(pointer[i] - other.pointer[i])
            // Swift's max(worst, .nan) is worst: a NaN would go unreported.
            if difference.isNaN { return .nan }
            worst = max(worst, difference)
        }
        return worst
    }
}
