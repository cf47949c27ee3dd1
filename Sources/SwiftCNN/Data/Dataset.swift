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

/// Reading whole binary files with every size checked first.
enum BinaryFile {
    /// The size of the regular file at `path`, or an error naming it.
    static func size(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SwiftCNNError("\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SwiftCNNError("\(path): not a regular file")
        }
        return Int(info.st_size)
    }

    /// Reads `count` bytes starting at `offset` (the whole file by default), refusing files
    /// larger than `maxBytes`.
    static func read(_ path: String, offset: Int = 0, count: Int? = nil, maxBytes: Int) throws
        -> [UInt8]
    {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw SwiftCNNError("\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SwiftCNNError("\(path): not a regular file")
        }
        let fileSize = Int(info.st_size)
        guard fileSize <= maxBytes else {
            throw SwiftCNNError("\(path): file is \(fileSize) bytes, more than the \(maxBytes) allowed")
        }
        let wanted = count ?? (fileSize - offset)
        guard offset >= 0, wanted >= 0, offset <= fileSize, wanted <= fileSize - offset else {
            throw SwiftCNNError(
                "\(path): wanted \(wanted) bytes at offset \(offset) but the file is only \(fileSize) bytes"
            )
        }
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while done < wanted {
                let n = pread(fd, base + done, wanted - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let why = n < 0 ? String(cString: strerror(errno)) : "unexpected end of file"
                    throw SwiftCNNError("\(path): read failed at byte \(offset + done) (\(why))")
                }
                done += n
            }
        }
        return bytes
    }
}
