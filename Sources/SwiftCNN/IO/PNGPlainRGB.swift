import CZlib

/// The commonest PNG of an image dataset (8-bit RGB, not interlaced, no chunk that changes
/// colours: what Pillow writes for CIFAR-sized images) decoded with one zlib call and the
/// five row filters, without libpng's per-image setup, which costs more than the inflate
/// for a 32×32 image. Anything else, and any file whose data is not exactly right, goes to
/// libpng (`nil` here), so errors keep libpng's messages.
extension PNG {
    /// Chunks that leave the pixels of an 8-bit RGB image as stored: sRGB says what
    /// libpng's simplified API assumes anyway; gAMA, cHRM, iCCP, sBIT or tRNS may change
    /// them, so a file with one goes to libpng.
    private static let colourNeutral: Set<String> = ["IHDR", "IDAT", "IEND", "sRGB", "tEXt", "zTXt", "iTXt", "tIME", "pHYs"]

    /// The pixels of `bytes` when it is a sound plain 8-bit RGB PNG, else nil.
    static func decodePlainRGB(_ bytes: [UInt8]) -> PixelImage? {
        var width = 0
        var height = 0
        var compressed: [UInt8] = []
        var offset = 8
        var ended = false
        var idatEnded = false  // another chunk came after the IDAT run
        while offset + 12 <= bytes.count {
            let length = Int(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
            guard length <= bytes.count - offset - 12 else { return nil }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)], as: UTF8.self)
            guard colourNeutral.contains(type) else { return nil }
            let data = (offset + 8)..<(offset + 8 + length)
            if !compressed.isEmpty && type != "IDAT" { idatEnded = true }
            if type == "IHDR" || type == "IDAT" || type == "IEND" {
                // libpng refuses a critical chunk whose CRC is wrong: let it say so.
                let stored = UInt32(bytes[data.upperBound]) << 24 | UInt32(bytes[data.upperBound + 1]) << 16
                    | UInt32(bytes[data.upperBound + 2]) << 8 | UInt32(bytes[data.upperBound + 3])
                guard crc32(bytes, (offset + 4)..<data.upperBound) == stored else { return nil }
            }
            switch type {
            case "IHDR":
                guard offset == 8, length == 13 else { return nil }
                let at = data.lowerBound
                width = Int(UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3]))
                height = Int(UInt32(bytes[at + 4]) << 24 | UInt32(bytes[at + 5]) << 16 | UInt32(bytes[at + 6]) << 8 | UInt32(bytes[at + 7]))
                // 8-bit RGB, deflate, adaptive filtering, not interlaced; a small image.
                guard bytes[at + 8] == 8, bytes[at + 9] == 2, bytes[at + 10] == 0, bytes[at + 11] == 0, bytes[at + 12] == 0,
                    width > 0, height > 0, width <= 4096, height <= 4096
                else { return nil }
            case "IDAT":
                guard width > 0, !idatEnded else { return nil }
                compressed += bytes[data]
            case "IEND":
                ended = true
            default:
                break
            }
            if ended { break }
            offset = data.upperBound + 4
        }
        guard ended, !compressed.isEmpty else { return nil }
        let stride = width * 3
        var filtered = [UInt8](repeating: 0, count: height * (stride + 1))
        var size = uLongf(filtered.count)
        let status = filtered.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { uncompress(out.baseAddress, &size, $0.baseAddress, uLong($0.count)) }
        }
        guard status == Z_OK, Int(size) == filtered.count else { return nil }
        var pixels = [UInt8](repeating: 0, count: height * stride)
        let sound = filtered.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in unfilter(src.baseAddress!, into: dst.baseAddress!, height: height, stride: stride) }
        }
        return sound ? PixelImage(width: width, height: height, channels: 3, pixels: pixels) : nil
    }

    /// Undoes PNG's row filters (None, Sub, Up, Average, Paeth) for 3 bytes per pixel;
    /// false for an unknown filter type.
    private static func unfilter(_ src: UnsafePointer<UInt8>, into dst: UnsafeMutablePointer<UInt8>, height: Int, stride: Int) -> Bool {
        let bpp = 3
        for y in 0..<height {
            let filter = src[y * (stride + 1)]
            let line = src + y * (stride + 1) + 1
            let row = dst + y * stride
            let up: UnsafePointer<UInt8>? = y > 0 ? UnsafePointer(dst + (y - 1) * stride) : nil
            switch filter {
            case 0:
                row.update(from: line, count: stride)
            case 1:
                for i in 0..<stride { row[i] = line[i] &+ (i >= bpp ? row[i - bpp] : 0) }
            case 2:
                for i in 0..<stride { row[i] = line[i] &+ (up?[i] ?? 0) }
            case 3:
                for i in 0..<stride {
                    let left = i >= bpp ? Int(row[i - bpp]) : 0
                    let above = Int(up?[i] ?? 0)
                    row[i] = line[i] &+ UInt8((left + above) >> 1)
                }
            case 4:
                for i in 0..<stride {
                    let a = i >= bpp ? Int(row[i - bpp]) : 0
                    let b = Int(up?[i] ?? 0)
                    let c = i >= bpp ? Int(up?[i - bpp] ?? 0) : 0
                    let p = a + b - c
                    let (pa, pb, pc) = (abs(p - a), abs(p - b), abs(p - c))
                    row[i] = line[i] &+ UInt8(pa <= pb && pa <= pc ? a : pb <= pc ? b : c)
                }
            default:
                return false
            }
        }
        return true
    }
}
