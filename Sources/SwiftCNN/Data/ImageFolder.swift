import Foundation
import Synchronization

/// Keras's `image_dataset_from_directory`: a folder of images, one subfolder per class
/// (or a `filename label` file, the course's home-made dataset), decoded on all cores,
/// converted to RGB or grayscale and resized bilinearly to one size, held as 8 bits.
///
/// ```swift
/// let files = try ImageFiles.inferred(directory: "flowers")
/// let (training, validation) = try files.split(validation: 0.2, seed: 1337)
/// let train = try ImageFolder(imageSize: (32, 32)).load(training)
/// try model.fit(train, epochs: 5, validationData: (test.images, test.labels))
/// ```
public struct ImageFolder: Sendable {
    public enum ColorMode: String, Sendable, CaseIterable {
        case rgb
        case grayscale

        var channels: Int { self == .rgb ? 3 : 1 }
    }

    /// `(height, width)` every image is resized to.
    public var imageSize: (height: Int, width: Int)
    public var colorMode: ColorMode
    /// Keras's `crop_to_aspect_ratio`: take the largest centred crop of the target's
    /// aspect ratio before resizing, instead of stretching.
    public var cropToAspectRatio: Bool
    /// How many bad files one error lists.
    public var maxReported = 20

    public init(imageSize: (height: Int, width: Int) = (32, 32), colorMode: ColorMode = .rgb, cropToAspectRatio: Bool = false) {
        self.imageSize = imageSize
        self.colorMode = colorMode
        self.cropToAspectRatio = cropToAspectRatio
    }

    public var imageShape: [Int] { [imageSize.height, imageSize.width, colorMode.channels] }

    /// Decodes every file (on all cores) into 8-bit images of ``imageShape``.
    /// - Throws: one error listing every file that cannot be decoded (up to
    ///   ``maxReported``), each as `path: why`, before any training starts.
    public func load(_ files: ImageFiles) throws -> ByteImages {
        let shape = try checkedShape()
        guard !files.paths.isEmpty else { throw SwiftCNNError("no image files") }
        let per = shape.reduce(1, *)
        var pixels = [UInt8](repeating: 0, count: files.paths.count * per)
        let problems = Mutex<[Int: String]>([:])
        let paths = files.paths
        let this = self
        pixels.withUnsafeMutableBufferPointer { buffer in
            let base = UnsafeMutableSendablePointer(buffer.baseAddress!)
            PNGPlainRGBDecoder.forEachFile(paths.count) { decoder, index in
                do {
                    try this.decode(paths[index], into: base.pointer + index * per, with: decoder)
                } catch {
                    let message = BadImageFiles.message(error)
                    problems.withLock { $0[index] = message }
                }
            }
        }
        let bad = problems.withLock { $0 }
        if !bad.isEmpty { throw BadImageFiles.error(bad, paths: paths, maxReported: maxReported) }
        return try ByteImages(pixels: pixels, labels: files.labels.map(Int32.init), imageShape: shape, classNames: files.classNames)
    }

    /// ``imageShape``, or an error when ``imageSize`` is empty or too large.
    func checkedShape() throws -> [Int] {
        let shape = imageShape
        guard shape.allSatisfy({ $0 > 0 }), shape[0] * shape[1] <= 1 << 24 else {
            throw SwiftCNNError("--image-size must be positive and at most 4096×4096, got \(shape[0]),\(shape[1])")
        }
        return shape
    }

    /// Decodes the file at `path` into ``imageShape``'s bytes at `output`, as TensorFlow
    /// decodes it (see ``ImageDecoder/read(_:asTensorFlow:)``).
    func decode(_ path: String, into output: UnsafeMutablePointer<UInt8>, with decoder: PNGPlainRGBDecoder = PNGPlainRGBDecoder()) throws {
        let bytes = try BinaryFile.read(path, maxBytes: JPEG.maxFileBytes)
        if decodePlain(bytes, into: output, with: decoder) { return }
        try resize(ImageDecoder.decode(bytes, path: path, asTensorFlow: true), into: output)
    }

    /// Decodes `bytes` straight into `output` when they are a plain 8-bit RGB PNG already of
    /// ``imageSize`` and the colour mode is RGB: the bytes a resize would give back (an image
    /// of the target size is copied, and its crop box is the whole image). False, with
    /// `output` unspecified, for any other file; decode that with ``decode(_:into:)``.
    func decodePlain(_ bytes: [UInt8], into output: UnsafeMutablePointer<UInt8>, with decoder: PNGPlainRGBDecoder) -> Bool {
        guard colorMode == .rgb else { return false }
        return bytes.withUnsafeBufferPointer { file in
            guard let size = decoder.size(of: file), size.height == imageSize.height, size.width == imageSize.width else { return false }
            return decoder.decode(file, into: output)
        }
    }

    /// Keras's crop box for `crop_to_aspect_ratio` (`smart_resize`): rows and columns.
    func cropBox(height: Int, width: Int) -> (top: Int, left: Int, height: Int, width: Int) {
        guard cropToAspectRatio else { return (0, 0, height, width) }
        let (th, tw) = imageSize
        let cropHeight = max(min(height, Int(Double(width * th) / Double(tw))), 1)
        let cropWidth = max(min(width, Int(Double(height * tw) / Double(th))), 1)
        return ((height - cropHeight) / 2, (width - cropWidth) / 2, cropHeight, cropWidth)
    }

    /// `image` cropped (if asked), resized bilinearly with half-pixel centres (as
    /// `tf.image.resize`, antialias off), converted to the colour mode, rounded to 8 bits.
    func resize(_ image: PixelImage, into output: UnsafeMutablePointer<UInt8>) throws {
        var image = image
        if colorMode == .grayscale && image.channels == 3 {
            // TensorFlow decodes to one channel before resizing: ITU-R 601 luma, truncated.
            var gray = [UInt8](repeating: 0, count: image.width * image.height)
            image.pixels.withUnsafeBufferPointer { rgb in
                for i in gray.indices {
                    // A gray pixel stays itself (0.299 + 0.587 + 0.114 falls short of 1 in
                    // floating point, and the truncation would lose a level).
                    if rgb[3 * i] == rgb[3 * i + 1] && rgb[3 * i] == rgb[3 * i + 2] {
                        gray[i] = rgb[3 * i]
                        continue
                    }
                    let luma = 0.299 * Double(rgb[3 * i]) + 0.587 * Double(rgb[3 * i + 1]) + 0.114 * Double(rgb[3 * i + 2])
                    gray[i] = UInt8(min(255, luma.rounded(.down)))
                }
            }
            image = PixelImage(width: image.width, height: image.height, channels: 1, pixels: gray)
        }
        let box = cropBox(height: image.height, width: image.width)
        var cropped = image
        if box != (0, 0, image.height, image.width) {
            var bytes = [UInt8](repeating: 0, count: box.height * box.width * image.channels)
            let rowBytes = box.width * image.channels
            for row in 0..<box.height {
                let from = ((box.top + row) * image.width + box.left) * image.channels
                bytes.replaceSubrange((row * rowBytes)..<((row + 1) * rowBytes), with: image.pixels[from..<(from + rowBytes)])
            }
            cropped = PixelImage(width: box.width, height: box.height, channels: image.channels, pixels: bytes)
        }
        if cropped.width == imageSize.width && cropped.height == imageSize.height && cropped.channels == colorMode.channels {
            // Already the size: the bilinear resize below samples every pixel at its own
            // centre (weights 0), so it would give back these bytes; copy them instead
            // (most of a CIFAR-sized folder's decoding time otherwise).
            cropped.pixels.withUnsafeBufferPointer { output.update(from: $0.baseAddress!, count: $0.count) }
            return
        }
        let values = try ImageResize.modelInput(cropped, height: imageSize.height, width: imageSize.width, channels: colorMode.channels)
        values.withUnsafeBufferPointer { src in
            for i in 0..<src.count { output[i] = UInt8(max(0, min(255, (src[i] * 255).rounded()))) }
        }
    }
}

/// A pointer handed to the decoding workers, each writing its own images' bytes.
struct UnsafeMutableSendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ pointer: UnsafeMutablePointer<T>) { self.pointer = pointer }
}

/// Reading an image file whatever its name says: PNG or JPEG, chosen by its first bytes.
public enum ImageDecoder {
    /// `asTensorFlow`: JPEGs as TensorFlow decodes them, with the fast inverse DCT and
    /// truncated or corrupt data refused (see ``JPEG/decode(_:path:fastDCT:strict:)``).
    public static func read(_ path: String, asTensorFlow: Bool = false) throws -> PixelImage {
        let bytes = try BinaryFile.read(path, maxBytes: JPEG.maxFileBytes)
        return try decode(bytes, path: path, asTensorFlow: asTensorFlow)
    }

    public static func decode(_ bytes: [UInt8], path: String, asTensorFlow: Bool = false) throws -> PixelImage {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return try PNG.decode(bytes, path: path) }
        if bytes.starts(with: [0xFF, 0xD8]) { return try JPEG.decode(bytes, path: path, fastDCT: asTensorFlow, strict: asTensorFlow) }
        if bytes.starts(with: [0x42, 0x4D]) { throw SwiftCNNError("\(path): BMP images are not supported (convert it to PNG)") }
        if bytes.starts(with: Array("GIF8".utf8)) { throw SwiftCNNError("\(path): GIF images are not supported (convert it to PNG)") }
        if bytes.isEmpty { throw SwiftCNNError("\(path): empty file") }
        throw SwiftCNNError("\(path): not a PNG or JPEG file")
    }
}
