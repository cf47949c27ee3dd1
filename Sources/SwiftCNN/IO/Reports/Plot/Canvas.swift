/// An RGB color with 8-bit channels.
public struct RGB: Equatable, Sendable {
    /// The red, green and blue intensities, 0…255.
    public var r: UInt8, g: UInt8, b: UInt8
    /// The color with these red, green and blue intensities.
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { (self.r, self.g, self.b) = (r, g, b) }
    /// The background of the figures.
    public static let white = RGB(255, 255, 255)
    /// Axes and text.
    public static let black = RGB(0, 0, 0)
    /// Grid lines.
    public static let gray = RGB(200, 200, 200)
    /// Matplotlib's first two default colors (`C0`, `C1`).
    public static let matplotlibBlue = RGB(31, 119, 180)
    /// Matplotlib's `C1`, the validation curves.
    public static let matplotlibOrange = RGB(255, 127, 14)
}

/// A small RGB raster for figures: pixels, lines, rectangles and 5×7 bitmap text.
/// Drawing outside the canvas is clipped, never an error.
public struct Canvas {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `height · width · 3` bytes, rows top to bottom.
    public private(set) var pixels: [UInt8]

    /// A canvas filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        self.width = max(1, width)
        self.height = max(1, height)
        pixels = [UInt8](repeating: 0, count: self.width * self.height * 3)
        fillRect(x: 0, y: 0, width: self.width, height: self.height, color: background)
    }

    /// The canvas as an image for ``PNG/write(_:to:)``.
    public var image: PixelImage {
        PixelImage(width: width, height: height, channels: 3, pixels: pixels)
    }

    /// The color at (`x`, `y`); black outside the canvas.
    public func pixel(x: Int, y: Int) -> RGB {
        guard x >= 0, y >= 0, x < width, y < height else { return .black }
        let o = (y * width + x) * 3
        return RGB(pixels[o], pixels[o + 1], pixels[o + 2])
    }

    /// Sets one pixel (ignored outside the canvas).
    public mutating func set(x: Int, y: Int, color: RGB) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let o = (y * width + x) * 3
        pixels[o] = color.r
        pixels[o + 1] = color.g
        pixels[o + 2] = color.b
    }

    /// Fills the rectangle with top-left (`x`, `y`).
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        let x0 = max(0, x)
        let y0 = max(0, y)
        let x1 = min(width, x + w)
        let y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        let stride = width
        pixels.withUnsafeMutableBufferPointer { p in
            for yy in y0..<y1 {
                for xx in x0..<x1 {
                    let o = (yy * stride + xx) * 3
                    p[o] = color.r
                    p[o + 1] = color.g
                    p[o + 2] = color.b
                }
            }
        }
    }

    /// Outlines the rectangle with a 1-pixel border.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        fillRect(x: x, y: y, width: w, height: 1, color: color)
        fillRect(x: x, y: y + h - 1, width: w, height: 1, color: color)
        fillRect(x: x, y: y, width: 1, height: h, color: color)
        fillRect(x: x + w - 1, y: y, width: 1, height: h, color: color)
    }

    /// A straight line (Bresenham) `thickness` pixels wide.
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, color: RGB, thickness: Int = 1) {
        var x = x0
        var y = y0
        let dx = abs(x1 - x0)
        let dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1
        let sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        let half = (thickness - 1) / 2
        var steps = 0
        while steps <= dx - dy + 1 {  // bounded even for huge coordinates
            fillRect(x: x - half, y: y - half, width: thickness, height: thickness, color: color)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy {
                err += dy
                x += sx
            }
            if e2 <= dx {
                err += dx
                y += sy
            }
            steps += 1
        }
    }

    /// The width in pixels of `text` drawn at `scale`.
    public static func textWidth(_ text: String, scale: Int = 1) -> Int {
        text.isEmpty ? 0 : (text.count * BitmapFont.advance - 1) * scale
    }

    /// The height in pixels of one line of text drawn at `scale`.
    public static func textHeight(scale: Int = 1) -> Int { BitmapFont.glyphHeight * scale }

    /// Draws `text` with its top-left corner at (`x`, `y`), each font pixel `scale`×`scale`.
    public mutating func text(_ text: String, x: Int, y: Int, color: RGB, scale: Int = 1) {
        var cx = x
        for character in text {
            for (col, bits) in BitmapFont.columns(character).enumerated() {
                for row in 0..<BitmapFont.rows where bits & (1 << row) != 0 {
                    fillRect(
                        x: cx + col * scale, y: y + row * scale, width: scale, height: scale, color: color)
                }
            }
            cx += BitmapFont.advance * scale
        }
    }
}
