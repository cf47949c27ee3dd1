import CZlib

/// A PNG file's structure checked without inflating its pixels: what a folder dataset
/// looks at for every file before training starts, so that a truncated or malformed file
/// is reported up front and the pixels can be decoded later, while training runs.
extension PNG {
    /// What ``checkStructure(_:path:)`` learns from the header.
    struct Header: Equatable {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
    }

    /// Checks the signature, the IHDR header (size, bit depth and colour type libpng
    /// accepts), and every chunk up to IEND: its length inside the file, a well-formed
    /// type, the CRC of each critical chunk (libpng refuses a bad one), a palette where
    /// the colour type needs one, consecutive IDAT chunks holding at least as much data as
    /// the image size needs. Bytes after IEND are ignored, as libpng does.
    /// - Throws: one error naming `path` and what is wrong.
    static func checkStructure(_ bytes: [UInt8], path: String) throws -> Header {
        func fail(_ what: String) -> SwiftCNNError { SwiftCNNError("\(path): not a valid PNG (\(what))") }
        guard bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw SwiftCNNError("\(path): not a PNG file (bad signature)")
        }
        var header: Header?
        var palette = false
        var idatBytes = 0
        var idatEnded = false  // an IDAT run has been followed by another chunk
        var offset = 8
        while true {
            guard offset + 8 <= bytes.count else {
                throw fail(offset == bytes.count ? "file ends before IEND (truncated)" : "chunk header truncated at byte \(offset)")
            }
            let length = Int(bigEndian32(bytes, offset))
            let type = Array(bytes[(offset + 4)..<(offset + 8)])
            let name = String(decoding: type, as: UTF8.self)
            guard type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw fail("chunk type at byte \(offset + 4) is not four letters")
            }
            guard length <= 0x7FFF_FFFF, offset + 12 + length <= bytes.count else {
                throw fail("chunk \(name) at byte \(offset) claims \(length) bytes, past the end (truncated)")
            }
            let data = (offset + 8)..<(offset + 8 + length)
            let critical = type[0] & 0x20 == 0
            if critical {
                let stored = bigEndian32(bytes, data.upperBound)
                guard crc32(bytes, (offset + 4)..<data.upperBound) == stored else {
                    throw fail("chunk \(name) at byte \(offset) has a bad CRC (corrupt data)")
                }
            }
            if header == nil && name != "IHDR" { throw fail("first chunk is \(name), not IHDR") }
            if idatBytes > 0 && name != "IDAT" { idatEnded = true }
            switch name {
            case "IHDR":
                guard header == nil else { throw fail("second IHDR at byte \(offset)") }
                guard length == 13 else { throw fail("IHDR is \(length) bytes, not 13") }
                header = try readHeader(bytes, data.lowerBound, fail)
            case "PLTE":
                guard idatBytes == 0 else { throw fail("PLTE after the image data") }
                guard length % 3 == 0, length > 0, length <= 768 else { throw fail("PLTE of \(length) bytes") }
                palette = true
            case "IDAT":
                guard !idatEnded else { throw fail("IDAT chunks are not consecutive") }
                if header?.colorType == 3 && !palette { throw fail("palette image without PLTE") }
                idatBytes += length
            case "IEND":
                guard idatBytes > 0, let header else { throw fail("no image data (IDAT)") }
                // As in decode: the image data inflates to at least a filter byte plus one
                // bit per pixel per row, and deflate expands at most 1032-fold.
                let minimumData = header.height * (1 + (header.width + 7) / 8)
                guard minimumData <= 1032 * idatBytes else {
                    throw fail("a \(header.width)×\(header.height) image in \(idatBytes) bytes of image data (truncated)")
                }
                return header
            default:
                guard !critical else { throw fail("unknown critical chunk \(name)") }
            }
            offset = data.upperBound + 4
        }
    }

    private static func readHeader(_ bytes: [UInt8], _ at: Int, _ fail: (String) -> SwiftCNNError) throws -> Header {
        let width = Int(bigEndian32(bytes, at))
        let height = Int(bigEndian32(bytes, at + 4))
        let depth = Int(bytes[at + 8])
        let colorType = Int(bytes[at + 9])
        guard width > 0, height > 0, width <= 0x7FFF_FFFF, height <= 0x7FFF_FFFF, width <= maxPixels / height else {
            throw fail("image size \(width)×\(height) is empty or too large")
        }
        let depths: [Int: [Int]] = [0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16]]
        guard let allowed = depths[colorType] else { throw fail("colour type \(colorType)") }
        guard allowed.contains(depth) else { throw fail("bit depth \(depth) for colour type \(colorType)") }
        guard bytes[at + 10] == 0, bytes[at + 11] == 0, bytes[at + 12] <= 1 else {
            throw fail("compression \(bytes[at + 10]), filter \(bytes[at + 11]) or interlace \(bytes[at + 12]) method")
        }
        return Header(width: width, height: height, bitDepth: depth, colorType: colorType)
    }

    private static func bigEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// The CRC-32 PNG uses (ISO 3309), of the chunk's type and data: zlib's, as libpng's.
    static func crc32(_ bytes: [UInt8], _ range: Range<Int>) -> UInt32 {
        bytes.withUnsafeBufferPointer { buffer in
            UInt32(CZlib.crc32(0, buffer.baseAddress! + range.lowerBound, uInt(range.count)))
        }
    }
}
