import Foundation

/// Which half of a dataset to load: the training images or the held-out test images.
public enum DatasetSplit: String, Sendable, CaseIterable {
    /// The training images (CIFAR-10's five `data_batch_*.bin`, MNIST's `train-*` files).
    case train
    /// The test images (`test_batch.bin`, `t10k-*`), the course's validation data.
    case test
}

/// Images and their labels, ready for `fit`: `images` is `[N, H, W, C]` with values in
/// [0, 1] (the course's `x / 255`), `labels` is `[N]` holding class indices as `Float`
/// (what `SparseCategoricalCrossentropy` expects).
public struct Dataset {
    /// `[N, H, W, C]` pixels scaled to [0, 1].
    public var images: Tensor
    /// `[N]` class indices stored as `Float`.
    public var labels: Tensor
    /// Human-readable name of each class index.
    public var classNames: [String]

    /// Wraps `images` and `labels`; throws unless they agree on `N`.
    public init(images: Tensor, labels: Tensor, classNames: [String]) throws {
        guard images.rank == 4, labels.rank == 1, images.shape[0] == labels.shape[0] else {
            throw SwiftCNNError(
                "Dataset: images \(describe(images.shape)) and labels \(describe(labels.shape)) do not match "
                    + "(expected [N, H, W, C] and [N])")
        }
        self.images = images
        self.labels = labels
        self.classNames = classNames
    }

    /// The number of examples.
    public var count: Int { labels.shape[0] }

    /// The shape of one image, `[H, W, C]`.
    public var imageShape: [Int] { Array(images.shape.dropFirst()) }

    /// The first `n` examples (all of them when `n >= count`).
    public func prefix(_ n: Int) -> Dataset {
        let n = max(0, min(n, count))
        if n == count { return self }
        let stride = imageShape.reduce(1, *)
        var newImages = Tensor(uninitializedShape: [n] + imageShape)
        var newLabels = Tensor(uninitializedShape: [n])
        images.withUnsafeBufferPointer { src in
            newImages.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                d.update(from: s, count: n * stride)
            }
        }
        labels.withUnsafeBufferPointer { src in
            newLabels.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                d.update(from: s, count: n)
            }
        }
        return Dataset(unchecked: newImages, labels: newLabels, classNames: classNames)
    }

    /// The first `limit` examples, or the whole dataset when `limit` is `nil`.
    public func limited(to limit: Int?) -> Dataset {
        guard let limit else { return self }
        return prefix(limit)
    }

    /// The examples in an order drawn from `seed`: the same seed always gives the same
    /// order on every platform (Fisher–Yates over ``RandomGenerator``).
    public func shuffled(seed: UInt64) -> Dataset {
        gather(Self.shuffledOrder(count: count, seed: seed))
    }

    /// The order ``shuffled(seed:)`` puts `count` examples in.
    public static func shuffledOrder(count: Int, seed: UInt64) -> [Int] {
        var generator = RandomGenerator(seed: seed)
        var order = Array(0..<count)
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(generator.next() % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }

    /// The examples at `indices`, in that order. Indices must be in `0..<count`.
    func gather(_ indices: [Int]) -> Dataset {
        let stride = imageShape.reduce(1, *)
        var newImages = Tensor(uninitializedShape: [indices.count] + imageShape)
        var newLabels = Tensor(uninitializedShape: [indices.count])
        images.withUnsafeBufferPointer { src in
            newImages.withUnsafeMutableBufferPointer { dst in
                guard let s = src.baseAddress, let d = dst.baseAddress else { return }
                for (row, index) in indices.enumerated() {
                    (d + row * stride).update(from: s + index * stride, count: stride)
                }
            }
        }
        labels.withUnsafeBufferPointer { src in
            newLabels.withUnsafeMutableBufferPointer { dst in
                for (row, index) in indices.enumerated() { dst[row] = src[index] }
            }
        }
        // Shapes agree by construction.
        return Dataset(unchecked: newImages, labels: newLabels, classNames: classNames)
    }

    init(unchecked images: Tensor, labels: Tensor, classNames: [String]) {
        self.images = images
        self.labels = labels
        self.classNames = classNames
    }
}
