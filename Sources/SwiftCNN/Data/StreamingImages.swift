import Foundation
import Synchronization

/// A folder dataset's training images, decoded as training reaches them instead of all
/// before it starts. `fit`'s data producer asks for each batch a few steps ahead of the
/// step that trains on it; the images of that batch not yet seen are decoded then, on all
/// cores, and kept as 8 bits (one byte per pixel and channel), so the first epoch decodes
/// in the shuffled order while training runs and later epochs decode nothing.
///
/// Batches are exactly those of ``ByteImages`` from ``ImageFolder/load(_:)`` of the same
/// files. Check the files first (``ImageFileCheck/checkAll(_:maxReported:)``, as
/// ``FolderDataset/streamingSplits(trainLimit:testLimit:)`` does): a file that still fails
/// to decode fails the step that needs it with one line naming it (see ``BatchFailure``).
///
/// ```swift
/// let train = try StreamingImages(files: try dataset.files(.train), folder: dataset.folder)
/// try model.fit(train, epochs: 5)
/// ```
public final class StreamingImages: BatchSource, @unchecked Sendable {
    /// The files, in the order of the images (index i is `files.paths[i]`).
    public let files: ImageFiles
    /// How each file is decoded: size, colour mode, crop.
    public let folder: ImageFolder
    /// `[H, W, C]` of every image, from ``folder``.
    public let imageShape: [Int]
    private let labels: [Int32]
    let bytesPerImage: Int

    // Guarded by `lock`: one batch is made at a time (the producer makes them in order).
    // Internal, not private, for the pass before training (StreamingImagesPass.swift).
    let lock = NSLock()
    /// `count · H · W · C` bytes, allocated once; image i is valid once `decoded[i]`.
    let pixels: UnsafeMutableBufferPointer<UInt8>
    var decoded: [Bool]
    var remaining: Int

    /// - Throws: when the image size is invalid or there are no files.
    public init(files: ImageFiles, folder: ImageFolder) throws {
        imageShape = try folder.checkedShape()
        guard !files.paths.isEmpty else { throw SwiftCNNError("no image files") }
        guard files.labels.count == files.paths.count else {
            throw SwiftCNNError("StreamingImages: \(files.paths.count) files but \(files.labels.count) labels")
        }
        self.files = files
        self.folder = folder
        labels = files.labels.map(Int32.init)
        bytesPerImage = imageShape.reduce(1, *)
        pixels = .allocate(capacity: files.paths.count * bytesPerImage)
        pixels.initialize(repeating: 0)
        decoded = Array(repeating: false, count: files.paths.count)
        remaining = files.paths.count
    }

    deinit { pixels.deallocate() }

    /// The number of images.
    public var count: Int { files.paths.count }
    /// Class names in label order.
    public var classNames: [String] { files.classNames }

    /// How many images have been decoded so far.
    public var decodedCount: Int { lock.withLock { count - remaining } }

    /// The batch of `indices`, decoding its images not yet decoded. An image that fails to
    /// decode is reported with ``BatchFailure/report(_:)`` (the batch then holds zeros for
    /// it); call ``checkedBatch(_:)`` instead to have the error thrown.
    public func batch(_ indices: [Int]) -> (images: Tensor, labels: Tensor) {
        lock.withLock {
            if remaining > 0 {
                do { try decodeMissing(indices) } catch { BatchFailure.report(error) }
            }
            return ByteImages.batch(indices, of: UnsafeBufferPointer(pixels), labels: labels, imageShape: imageShape)
        }
    }

    /// ``batch(_:)``, throwing the error of an image that fails to decode.
    public func checkedBatch(_ indices: [Int]) throws -> (images: Tensor, labels: Tensor) {
        _ = BatchFailure.take()
        let result = batch(indices)
        if let failure = BatchFailure.take() { throw failure }
        return result
    }

    /// Every image, decoded (those not yet decoded, on all cores), as ``ByteImages``.
    public func decodedAll() throws -> ByteImages {
        try lock.withLock {
            try decodeMissing(Array(0..<count))
            return try ByteImages(
                pixels: Array(pixels), labels: labels, imageShape: imageShape, classNames: files.classNames)
        }
    }

    /// Decodes the images of `indices` not yet decoded, in parallel. Called under `lock`.
    /// - Throws: one line naming the first file (in `indices` order) that failed.
    private func decodeMissing(_ indices: [Int]) throws {
        let missing = indices.filter { index in
            defer { decoded[index] = true }  // marked now so a repeated index is decoded once
            return !decoded[index]
        }
        guard !missing.isEmpty else { return }
        let problems = Mutex<[Int: String]>([:])
        let base = UnsafeMutableSendablePointer(pixels.baseAddress!)
        let (paths, per, folder) = (files.paths, bytesPerImage, folder)
        DispatchQueue.concurrentPerform(iterations: missing.count) { slot in
            let index = missing[slot]
            do {
                try folder.decode(paths[index], into: base.pointer + index * per)
            } catch {
                let message = BadImageFiles.message(error)
                problems.withLock { $0[slot] = message }
            }
        }
        let bad = problems.withLock { $0 }
        remaining -= missing.count - bad.count
        guard let first = bad.keys.min() else { return }
        for slot in bad.keys { decoded[missing[slot]] = false }
        let path = paths[missing[first]]
        let message = bad[first]!
        let more = bad.count > 1 ? "; \(bad.count - 1) more images of this batch failed too" : ""
        throw SwiftCNNError(
            (message.hasPrefix(path) ? message : "\(path): \(message)")
                + " (found while decoding for training, though it passed the check before\(more))")
    }
}
