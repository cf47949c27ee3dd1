import CPNG
import Foundation

/// PNG files through libpng's simplified API (`png_image_*`), which catches libpng's
/// errors internally and reports them as a message, so a broken file never aborts.
///
/// ```swift
/// try PNG.write(PixelImage(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 0, 255]),
///               to: "red-blue.png")
/// let image = try PNG.read("red-blue.png")   // 8-bit RGB
/// ```
public enum PNG {
    /// The largest file accepted by ``read(_:)``.
    static let maxFileBytes = 256 << 20
    /// The largest image accepted, in pixels.
    static let maxPixels = 64 << 20

    /// Encodes 8-bit gray (1), RGB (3) or RGBA (4) pixels as PNG bytes.
    public static func encode(_ image: PixelImage) throws -> [UInt8] {
        guard let format = format(channels: image.channels) else {
            throw SwiftCNNError("PNG: cannot write \(image.channels) channels (1, 3 or 4)")
        }
        guard image.width > 0, image.height > 0,
            image.pixels.count == image.width * image.height * image.channels
        else {
            throw SwiftCNNError(
                "PNG: \(image.width)×\(image.height)×\(image.channels) image needs "
                    + "\(image.width * image.height * image.channels) bytes, got \(image.pixels.count)")
        }
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        png.width = png_uint_32(image.width)
        png.height = png_uint_32(image.height)
        png.format = format
        var size: png_alloc_size_t = 0
        let stride = png_int_32(image.width * image.channels)
        guard
            image.pixels.withUnsafeBytes({
                png_image_write_to_memory(&png, nil, &size, 0, $0.baseAddress, stride, nil)
            }) != 0
        else { throw SwiftCNNError("PNG: \(message(png))") }
        var output = [UInt8](repeating: 0, count: Int(size))
        let ok = output.withUnsafeMutableBytes { out in
            image.pixels.withUnsafeBytes {
                png_image_write_to_memory(&png, out.baseAddress, &size, 0, $0.baseAddress, stride, nil)
            }
        }
        guard ok != 0 else { throw SwiftCNNError("PNG: \(message(png))") }
        return Array(output[0..<Int(size)])
    }

    /// Writes `image` to `path` atomically (a temporary file renamed into place).
    public static func write(_ image: PixelImage, to path: String) throws {
        let bytes: [UInt8]
        do { bytes = try encode(image) } catch let error as SwiftCNNError {
            throw SwiftCNNError("\(path): \(error.message)")
        }
        try AtomicFile.write(bytes, to: path)
    }

    /// Decodes PNG bytes to 8-bit RGB (gray is expanded, alpha dropped).
    public static func decode(_ bytes: [UInt8], path: String = "PNG") throws -> PixelImage {
        guard bytes.count >= 8,
            bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        else {
            throw SwiftCNNError("\(path): not a PNG file (bad signature)")
        }
        if let plain = decodePlainRGB(bytes) { return plain }
        return try decodeWithLibpng(bytes, path: path)
    }

    /// ``decode(_:path:)`` through libpng, whatever the PNG (the signature checked).
    static func decodeWithLibpng(_ bytes: [UInt8], path: String) throws -> PixelImage {
        var png = png_image()
        png.version = png_uint_32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes {
            png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count)
        }
        guard begun != 0 else { throw SwiftCNNError("\(path): \(message(png))") }
        defer { png_image_free(&png) }
        let width = Int(png.width)
        let height = Int(png.height)
        guard width > 0, height > 0, width <= maxPixels / height else {
            throw SwiftCNNError("\(path): image size \(width)×\(height) is empty or too large")
        }
        // Allocate no more than the file can describe: the image data inflates to at least a
        // filter byte plus one bit per pixel per row, and deflate expands at most 1032-fold.
        let minimumData = height * (1 + (width + 7) / 8)
        guard minimumData <= 1032 * bytes.count else {
            throw SwiftCNNError(
                "\(path): a \(width)×\(height) image needs at least \(minimumData / 1032) bytes of "
                    + "compressed data, the file has \(bytes.count) bytes (truncated, or a forged header)")
        }
        // As TensorFlow's decode_png (and Pillow's convert("RGB")): alpha is dropped, not
        // composited, and 16-bit samples keep their high byte.
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        if png.format & png_uint_32(PNG_FORMAT_FLAG_LINEAR) != 0 {
            // 16-bit: read the samples as they are (a file without gAMA counts as linear,
            // so no gamma is applied); alpha comes premultiplied and is divided out.
            png.format = png_uint_32(PNG_FORMAT_FLAG_LINEAR | PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
            var samples = [UInt16](repeating: 0, count: width * height * 4)
            let ok = samples.withUnsafeMutableBytes { out in
                png_image_finish_read(&png, nil, out.baseAddress, png_int_32(width * 4), nil)
            }
            guard ok != 0 else { throw SwiftCNNError("\(path): \(message(png))") }
            for i in 0..<(width * height) {
                let alpha = UInt32(samples[4 * i + 3])
                for c in 0..<3 {
                    let value = UInt32(samples[4 * i + c])
                    let straight = alpha == 65535 || alpha == 0 ? value : min(65535, (value * 65535 + alpha / 2) / alpha)
                    pixels[3 * i + c] = UInt8(straight >> 8)
                }
            }
        } else if png.format & png_uint_32(PNG_FORMAT_FLAG_ALPHA) == 0 {
            // No alpha to drop: straight into RGB, without the RGBA copy.
            png.format = png_uint_32(PNG_FORMAT_RGB)
            let ok = pixels.withUnsafeMutableBytes { out in
                png_image_finish_read(&png, nil, out.baseAddress, png_int_32(width * 3), nil)
            }
            guard ok != 0 else { throw SwiftCNNError("\(path): \(message(png))") }
        } else {
            png.format = png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
            var rgba = [UInt8](repeating: 0, count: width * height * 4)
            let ok = rgba.withUnsafeMutableBytes { out in
                png_image_finish_read(&png, nil, out.baseAddress, png_int_32(width * 4), nil)
            }
            guard ok != 0 else { throw SwiftCNNError("\(path): \(message(png))") }
            for i in 0..<(width * height) {
                pixels[3 * i] = rgba[4 * i]
                pixels[3 * i + 1] = rgba[4 * i + 1]
                pixels[3 * i + 2] = rgba[4 * i + 2]
            }
        }
        return PixelImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// Reads a PNG file as 8-bit RGB.
    public static func read(_ path: String) throws -> PixelImage {
        try decode(BinaryFile.read(path, maxBytes: maxFileBytes), path: path)
    }

    static func format(channels: Int) -> png_uint_32? {
        switch channels {
        case 1: return png_uint_32(PNG_FORMAT_GRAY)
        case 3: return png_uint_32(PNG_FORMAT_RGB)
        case 4: return png_uint_32(PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_ALPHA)
        default: return nil
        }
    }

    static func message(_ png: png_image) -> String {
        var copy = png.message
        let text = withUnsafeBytes(of: &copy) {
            String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return text.isEmpty ? "libpng failed" : "libpng: \(text)"
    }
}
