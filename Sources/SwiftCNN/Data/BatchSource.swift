/// Where `fit` takes its training batches from: rows of a tensor pair, or 8-bit images
/// converted to `Float` per batch (``ByteImages``). The data producer calls `batch` off
/// the training thread, so a source must be safe to read from another thread while
/// training runs (both kinds here are immutable once made).
public protocol BatchSource: Sendable {
    /// The number of examples.
    var count: Int { get }
    /// The shape of one image, `[H, W, C]`.
    var imageShape: [Int] { get }
    /// Images `[n, H, W, C]` in [0, 1] and labels `[n]` of the examples at `indices`, in
    /// that order. Indices are in `0..<count`.
    func batch(_ indices: [Int]) -> (images: Tensor, labels: Tensor)
}

/// Rows of `x` and `y`: what `fit(x:y:)` trains on.
public struct TensorBatches: BatchSource, @unchecked Sendable {
    // Read-only after init: tensors share storage copy-on-write, and nothing here writes.
    public let x: Tensor
    public let y: Tensor

    public init(x: Tensor, y: Tensor) {
        self.x = x
        self.y = y
    }

    public var count: Int { x.shape.first ?? 0 }
    public var imageShape: [Int] { Array(x.shape.dropFirst()) }

    public func batch(_ indices: [Int]) -> (images: Tensor, labels: Tensor) {
        (x.gather(batch: indices), y.gather(batch: indices))
    }
}

extension Dataset {
    /// The dataset as a batch source for `fit`.
    public var batches: TensorBatches { TensorBatches(x: images, y: labels) }
}
