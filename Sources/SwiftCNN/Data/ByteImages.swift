import Foundation

/// Images held as 8 bits per pixel and channel (`[N, H, W, C]` bytes), converted to
/// `Float` `/255` one batch at a time: 50,000 32×32 RGB images take 150 MB instead of
/// the 600 MB of a `Float` tensor. What ``ImageFolder`` loads; a ``BatchSource`` for `fit`.
public struct ByteImages: BatchSource, @unchecked Sendable {
    /// `count · H · W · C` bytes, rows top to bottom, channels interleaved.
    public let pixels: [UInt8]
    /// The class index of each image.
    public let labels: [Int32]
    public let imageShape: [Int]
    public let classNames: [String]

    public init(pixels: [UInt8], labels: [Int32], imageShape: [Int], classNames: [String]) throws {
        guard imageShape.count == 3, imageShape.allSatisfy({ $0 > 0 }),
            pixels.count == labels.count * imageShape.reduce(1, *)
        else {
            throw SwiftCNNError("ByteImages: \(pixels.count) bytes do not hold \(labels.count) images of shape \(describe(imageShape))")
        }
        self.pixels = pixels
        self.labels = labels
        self.imageShape = imageShape
        self.classNames = classNames
    }

    public var count: Int { labels.count }

    /// x / 255 exactly as the course computes it (as the CIFAR-10 and IDX loaders do).
    private static let scale: [Float] = (0..<256).map { Float($0) / 255 }

    public func batch(_ indices: [Int]) -> (images: Tensor, labels: Tensor) {
        pixels.withUnsafeBufferPointer { Self.batch(indices, of: $0, labels: labels, imageShape: imageShape) }
    }

    /// The images at `indices` of `pixels` (`[N, H, W, C]` bytes) as `Float` x / 255, and
    /// their labels: what every 8-bit source hands `fit`.
    static func batch(_ indices: [Int], of pixels: UnsafeBufferPointer<UInt8>, labels: [Int32], imageShape: [Int])
        -> (images: Tensor, labels: Tensor)
    {
        let per = imageShape.reduce(1, *)
        var images = Tensor(uninitializedShape: [indices.count] + imageShape)
        var labelTensor = Tensor(uninitializedShape: [indices.count])
        scale.withUnsafeBufferPointer { table in
            images.withUnsafeMutableBufferPointer { dst in
                for (row, index) in indices.enumerated() {
                    let from = pixels.baseAddress! + index * per
                    let to = dst.baseAddress! + row * per
                    for i in 0..<per { to[i] = table[Int(from[i])] }
                }
            }
        }
        labelTensor.withUnsafeMutableBufferPointer { dst in
            for (row, index) in indices.enumerated() { dst[row] = Float(labels[index]) }
        }
        return (images, labelTensor)
    }

    /// Images `range`, copied.
    public func rows(_ range: Range<Int>) -> ByteImages {
        let per = imageShape.reduce(1, *)
        // Shapes agree by construction.
        return try! ByteImages(
            pixels: Array(pixels[(range.lowerBound * per)..<(range.upperBound * per)]), labels: Array(labels[range]),
            imageShape: imageShape, classNames: classNames)
    }

    /// All images as a `Float` dataset (four times the memory).
    public var dataset: Dataset {
        let (images, labelTensor) = batch(Array(0..<count))
        return Dataset(unchecked: images, labels: labelTensor, classNames: classNames)
    }
}
