/// An 8-bit image with interleaved channels (1 gray, 3 RGB or 4 RGBA), rows top to bottom.
public struct PixelImage: Equatable, Sendable {
    /// Width in pixels.
    public var width: Int
    /// Height in pixels.
    public var height: Int
    /// Channels per pixel: 1 (gray), 3 (RGB) or 4 (RGBA).
    public var channels: Int
    /// `height · width · channels` bytes.
    public var pixels: [UInt8]

    /// An image of `width × height` pixels of `channels` bytes each, rows top to bottom.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }
}

/// Turning a decoded picture into a model input: bilinear resize, gray or RGB, `/255`.
public enum ImageResize {
    /// `image` as a `[height, width, channels]` tensor in [0, 1], resized bilinearly (pixel
    /// centres aligned, as `tf.image.resize` does) and converted to 1 channel (ITU-R 601
    /// luma, as `tf.image.rgb_to_grayscale`) or 3 channels (gray repeated).
    /// - Throws: when `channels` is not 1 or 3 or a size is not positive.
    public static func modelInput(_ image: PixelImage, height: Int, width: Int, channels: Int) throws
        -> Tensor
    {
        guard channels == 1 || channels == 3 else {
            throw SwiftCNNError("image input: models take 1 or 3 channels, not \(channels)")
        }
        guard height > 0, width > 0, image.width > 0, image.height > 0,
            [1, 3, 4].contains(image.channels),
            image.pixels.count == image.width * image.height * image.channels
        else {
            throw SwiftCNNError(
                "image input: cannot resize a \(image.width)×\(image.height)×\(image.channels) image to "
                    + "\(width)×\(height)")
        }
        var output = Tensor(uninitializedShape: [height, width, channels])
        let scaleY = Float(image.height) / Float(height)
        let scaleX = Float(image.width) / Float(width)
        let sc = image.channels
        image.pixels.withUnsafeBufferPointer { src in
            output.withUnsafeMutableBufferPointer { dst in
                for y in 0..<height {
                    let fy = max(0, (Float(y) + 0.5) * scaleY - 0.5)
                    let y0 = min(Int(fy), image.height - 1)
                    let y1 = min(y0 + 1, image.height - 1)
                    let wy = fy - Float(y0)
                    for x in 0..<width {
                        let fx = max(0, (Float(x) + 0.5) * scaleX - 0.5)
                        let x0 = min(Int(fx), image.width - 1)
                        let x1 = min(x0 + 1, image.width - 1)
                        let wx = fx - Float(x0)
                        var rgb: (Float, Float, Float) = (0, 0, 0)
                        for c in 0..<min(sc, 3) {
                            func at(_ yy: Int, _ xx: Int) -> Float {
                                Float(src[(yy * image.width + xx) * sc + c])
                            }
                            let top = at(y0, x0) + (at(y0, x1) - at(y0, x0)) * wx
                            let bottom = at(y1, x0) + (at(y1, x1) - at(y1, x0)) * wx
                            let v = (top + (bottom - top) * wy) / 255
                            switch c {
                            case 0: rgb.0 = v
                            case 1: rgb.1 = v
                            default: rgb.2 = v
                            }
                        }
                        if sc == 1 { rgb = (rgb.0, rgb.0, rgb.0) }
                        let o = (y * width + x) * channels
                        if channels == 1 {
                            dst[o] = sc == 1 ? rgb.0 : 0.2989 * rgb.0 + 0.5870 * rgb.1 + 0.1140 * rgb.2
                        } else {
                            dst[o] = rgb.0
                            dst[o + 1] = rgb.1
                            dst[o + 2] = rgb.2
                        }
                    }
                }
            }
        }
        return output
    }
}
