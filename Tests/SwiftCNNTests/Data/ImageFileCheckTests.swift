import Foundation
import Testing

@testable import SwiftCNN

/// The structural check every folder-dataset file gets before training: it passes every
/// image the decoder reads (the colour-type fixtures), refuses every truncation and a
/// corrupt critical chunk without decoding, and names the file and why in one line.
@Suite struct ImageFileCheckTests {
    static var folders: URL {
        get throws { try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).appendingPathComponent("folders") }
    }

    static let png = try! PNG.encode(PixelImage(width: 5, height: 4, channels: 3, pixels: (0..<60).map { UInt8($0 * 4) }))
    static let jpeg = try! JPEG.encode(PixelImage(width: 17, height: 9, channels: 3, pixels: (0..<459).map { UInt8($0 % 256) }))

    /// A PNG chunk with its length and CRC.
    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        let crc = PNG.crc32(body, 0..<body.count)
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// IHDR for an image of `width`×`height`, `depth` bits, `colorType`.
    static func header(_ width: UInt32, _ height: UInt32, depth: UInt8 = 8, colorType: UInt8 = 2) -> [UInt8] {
        chunk("IHDR", bigEndian(width) + bigEndian(height) + [depth, colorType, 0, 0, 0])
    }

    func message(_ bytes: [UInt8]) -> String { thrownMessage { try ImageFileCheck.check(bytes, path: "x/f") } }

    @Test func everyFixtureTheDecoderReadsPasses() throws {
        let root = try Self.folders.appendingPathComponent("colours").path
        let files = try ImageFiles.inferred(directory: root)
        #expect(files.paths.count >= 10)
        for path in files.paths {
            #expect(throws: Never.self, "\(path)") { try ImageFileCheck.check(path: path) }
            #expect(throws: Never.self, "\(path)") { _ = try ImageDecoder.read(path, asTensorFlow: true) }
        }
        #expect(throws: Never.self) { try ImageFileCheck.check(Self.png, path: "a.png") }
        #expect(throws: Never.self) { try ImageFileCheck.check(Self.jpeg, path: "a.jpg") }
        let cmyk = try Self.folders.appendingPathComponent("cmyk.jpg").path
        #expect(thrownMessage { try ImageFileCheck.check(path: cmyk) }.hasPrefix("\(cmyk): not a valid JPEG (4 color components"))
    }

    /// No prefix of a PNG or a JPEG passes: the chunk walk must reach IEND, the marker
    /// walk EOI.
    @Test func everyTruncationIsRefused() {
        for length in 0..<Self.png.count {
            let text = message(Array(Self.png.prefix(length)))
            #expect(text.hasPrefix("x/f: "), "PNG cut at \(length): \(text)")
        }
        for length in 0..<Self.jpeg.count {
            let text = message(Array(Self.jpeg.prefix(length)))
            #expect(text.hasPrefix("x/f: "), "JPEG cut at \(length): \(text)")
        }
        #expect(message(Array(Self.png.prefix(Self.png.count - 12))) == "x/f: not a valid PNG (file ends before IEND (truncated))")
        #expect(message(Array(Self.jpeg.dropLast(2))) == "x/f: not a valid JPEG (no EOI marker at the end: truncated)")
        // An EOI inside a segment (an APP1 holding a thumbnail, say) is not the file's end.
        let app1: [UInt8] = [0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x00, 0x00]
        #expect(message(Array(Self.jpeg.prefix(2)) + app1 + Array(Self.jpeg.dropFirst(2).dropLast(2))) == "x/f: not a valid JPEG (no EOI marker at the end: truncated)")
        #expect(throws: Never.self) { try ImageFileCheck.check(Self.jpeg + [0, 0, 0], path: "trailing bytes after EOI") }
        #expect(throws: Never.self) { try ImageFileCheck.check(Self.png + [1, 2, 3], path: "trailing bytes after IEND") }
    }

    @Test func malformedPNGsAreNamedWithWhy() {
        let idat = Self.chunk("IDAT", [0x78, 0x9C, 0x63, 0, 0, 0, 0, 1])
        let end = Self.chunk("IEND", [])
        var flipped = Self.png
        flipped[Self.png.count - 20] ^= 0x40  // inside the last IDAT: its CRC no longer matches
        #expect(message(flipped).hasSuffix("has a bad CRC (corrupt data))"), "\(message(flipped))")
        #expect(message(Self.signature + Self.header(1, 1, depth: 3) + idat + end) == "x/f: not a valid PNG (bit depth 3 for colour type 2)")
        #expect(message(Self.signature + Self.header(1, 1, colorType: 5) + idat + end) == "x/f: not a valid PNG (colour type 5)")
        #expect(message(Self.signature + Self.header(0, 1) + idat + end) == "x/f: not a valid PNG (image size 0×1 is empty or too large)")
        #expect(message(Self.signature + Self.header(1, 1, colorType: 3) + idat + end) == "x/f: not a valid PNG (palette image without PLTE)")
        #expect(message(Self.signature + Self.header(1, 1) + end) == "x/f: not a valid PNG (no image data (IDAT))")
        #expect(message(Self.signature + idat + end) == "x/f: not a valid PNG (first chunk is IDAT, not IHDR)")
        #expect(message(Self.signature + Self.header(1, 1) + Self.chunk("ABCD", []) + idat + end) == "x/f: not a valid PNG (unknown critical chunk ABCD)")
        #expect(message(Self.signature + Self.header(1, 1) + idat + Self.chunk("tEXt", []) + idat + end) == "x/f: not a valid PNG (IDAT chunks are not consecutive)")
        #expect(message(Self.signature + Self.header(4000, 4000) + idat + end).hasSuffix("in 8 bytes of image data (truncated))"))
        #expect(message(Self.signature + Self.header(1, 1) + [0xFF, 0xFF, 0xFF, 0xF0] + Array("IDAT".utf8)).hasSuffix("past the end (truncated))"))
        // An ancillary chunk's CRC is not checked (libpng only warns about it).
        var text = Self.chunk("tEXt", Array("a\0b".utf8))
        text[text.count - 1] ^= 1
        let annotated = Array(Self.png.prefix(33)) + text + Array(Self.png.dropFirst(33))
        #expect(throws: Never.self) { try ImageFileCheck.check(annotated, path: "ok") }
        #expect(throws: Never.self) { _ = try PNG.decode(annotated) }
    }

    /// A structurally sound PNG whose compressed data is garbage passes the check, and
    /// fails to decode: what the streaming path reports mid-epoch.
    @Test func soundStructureWithBadPixelDataPassesTheCheckOnly() {
        let bytes = Self.signature + Self.header(4, 4) + Self.chunk("IDAT", Array(repeating: 0xAB, count: 40)) + Self.chunk("IEND", [])
        #expect(throws: Never.self) { try ImageFileCheck.check(bytes, path: "bad.png") }
        #expect(thrownMessage { _ = try ImageDecoder.decode(bytes, path: "bad.png", asTensorFlow: true) }.hasPrefix("bad.png: "))
    }

    @Test func checkAllListsEveryBadFileInOrder() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var paths: [String] = []
        for i in 0..<30 {
            let path = "\(dir)/\(String(format: "%02d", i)).png"
            try writeDataTestFile(i % 3 == 0 ? Array(Self.png.prefix(40)) : Self.png, path)
            paths.append(path)
        }
        paths.append(dir + "/missing.png")
        #expect(throws: Never.self) { try ImageFileCheck.checkAll(paths.enumerated().filter { $0.offset % 3 != 0 && $0.offset < 30 }.map(\.element)) }
        let error = try #require(throws: SwiftCNNError.self) { try ImageFileCheck.checkAll(paths, maxReported: 4) }
        let lines = error.message.split(separator: "\n").map(String.init)
        #expect(lines.first == "11 of 31 image files cannot be read:")
        #expect(lines.dropFirst().prefix(4).map { String($0.prefix(dir.count + 9)) } == ["00", "03", "06", "09"].map { "\(dir)/\($0).png: " })
        #expect(lines[1].hasPrefix("\(dir)/00.png: not a valid PNG ("), "\(lines[1])")
        #expect(lines.last == "… and 7 more")
    }
}

/// The plain-RGB PNG decoder gives libpng's pixels, for every row filter libpng's encoder
/// picks, and leaves every other PNG (and every damaged one) to libpng.
@Suite struct PNGPlainRGBTests {
    @Test func pixelsAreLibpngs() throws {
        var random = RandomGenerator(seed: 4)
        for (width, height, smooth) in [(32, 32, true), (32, 32, false), (1, 1, false), (7, 3, true), (40, 17, true)] {
            let pixels = (0..<(width * height * 3)).map { i in
                smooth ? UInt8((i / 3 % width * 5 + i / (3 * width) * 3 + i % 3 * 40) % 256) : UInt8(random.next() % 256)
            }
            let bytes = try PNG.encode(PixelImage(width: width, height: height, channels: 3, pixels: pixels))
            let plain = try #require(PNG.decodePlainRGB(bytes), "\(width)×\(height)")
            #expect(plain.pixels == pixels)
            #expect(try PNG.decodeWithLibpng(bytes, path: "x").pixels == pixels)
        }
        // Every filter type, row by row (row y uses filter y % 5), on noisy pixels.
        let (width, height) = (9, 11)
        let pixels = (0..<(width * height * 3)).map { _ in UInt8(random.next() % 256) }
        let bytes = try Self.png(width: width, height: height, pixels: pixels, filters: (0..<height).map { UInt8($0 % 5) })
        #expect(try PNG.decodeWithLibpng(bytes, path: "x").pixels == pixels)
        #expect(PNG.decodePlainRGB(bytes)?.pixels == pixels)
        let unknown = try Self.png(width: 2, height: 2, pixels: Array(repeating: 1, count: 12), filters: [0, 5])
        #expect(PNG.decodePlainRGB(unknown) == nil)
        #expect(thrownMessage { _ = try PNG.decode(unknown, path: "f.png") }.hasPrefix("f.png: libpng: "))
    }

    /// An 8-bit RGB PNG whose rows use `filters` (PNG's forward filters, 3 bytes a pixel).
    static func png(width: Int, height: Int, pixels: [UInt8], filters: [UInt8]) throws -> [UInt8] {
        let stride = width * 3
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(filters[y])
            for i in 0..<stride {
                let x = Int(pixels[y * stride + i])
                let a = i >= 3 ? Int(pixels[y * stride + i - 3]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + i]) : 0
                let c = i >= 3 && y > 0 ? Int(pixels[(y - 1) * stride + i - 3]) : 0
                let p = a + b - c
                let paeth = abs(p - a) <= abs(p - b) && abs(p - a) <= abs(p - c) ? a : abs(p - b) <= abs(p - c) ? b : c
                let predicted = [0, a, b, (a + b) / 2, paeth][Int(min(filters[y], 4))]
                raw.append(UInt8(truncatingIfNeeded: x - predicted))
            }
        }
        let compressed = try Gzip.compress(raw, zlib: true)
        return ImageFileCheckTests.signature + ImageFileCheckTests.header(UInt32(width), UInt32(height))
            + ImageFileCheckTests.chunk("IDAT", compressed) + ImageFileCheckTests.chunk("IEND", [])
    }

    /// Image data split over several IDAT chunks (as encoders with a small buffer write it)
    /// is joined before the one-call inflate; rows that inflate to too few or too many bytes
    /// go to libpng.
    @Test func splitImageDataIsJoinedAndWrongSizesRefused() throws {
        var random = RandomGenerator(seed: 9)
        let (width, height) = (13, 6)
        let pixels = (0..<(width * height * 3)).map { _ in UInt8(random.next() % 256) }
        let whole = try Self.png(width: width, height: height, pixels: pixels, filters: (0..<height).map { UInt8($0 % 5) })
        // The one IDAT's data: after the signature (8), IHDR (25) and IDAT's length and type.
        let dataLength = Int(UInt32(whole[33]) << 24 | UInt32(whole[34]) << 16 | UInt32(whole[35]) << 8 | UInt32(whole[36]))
        let data = Array(whole[41..<(41 + dataLength)])
        for cuts in [[1], [2, 5], [dataLength / 2, dataLength / 2, dataLength - 1]] {
            var chunks: [UInt8] = []
            var start = 0
            for cut in cuts + [dataLength] {
                chunks += ImageFileCheckTests.chunk("IDAT", Array(data[start..<cut]))
                start = cut
            }
            let split = ImageFileCheckTests.signature + ImageFileCheckTests.header(UInt32(width), UInt32(height))
                + chunks + ImageFileCheckTests.chunk("IEND", [])
            #expect(PNG.decodePlainRGB(split)?.pixels == pixels, "cuts \(cuts)")
            #expect(try PNG.decodeWithLibpng(split, path: "x").pixels == pixels)
        }
        for rows in [height - 1, height + 1] {
            let wrong = ImageFileCheckTests.signature + ImageFileCheckTests.header(UInt32(width), UInt32(rows))
                + ImageFileCheckTests.chunk("IDAT", data) + ImageFileCheckTests.chunk("IEND", [])
            #expect(PNG.decodePlainRGB(wrong) == nil, "\(rows) rows declared")
        }
    }

    @Test func otherAndDamagedFilesGoToLibpng() throws {
        let rgb = try PNG.encode(PixelImage(width: 4, height: 4, channels: 3, pixels: (0..<48).map { UInt8($0 * 5) }))
        #expect(PNG.decodePlainRGB(rgb) != nil)
        #expect(PNG.decodePlainRGB(try PNG.encode(PixelImage(width: 2, height: 2, channels: 1, pixels: [1, 2, 3, 4]))) == nil)
        #expect(PNG.decodePlainRGB(try PNG.encode(PixelImage(width: 2, height: 1, channels: 4, pixels: Array(repeating: 9, count: 8)))) == nil)
        for length in 0..<rgb.count { #expect(PNG.decodePlainRGB(Array(rgb.prefix(length))) == nil, "cut at \(length)") }
        for index in 8..<rgb.count {
            var flipped = rgb
            flipped[index] ^= 0x01
            if let plain = PNG.decodePlainRGB(flipped) {
                // Only a change libpng accepts too may decode here, to the same pixels.
                #expect(plain.pixels == (try? PNG.decodeWithLibpng(flipped, path: "x"))?.pixels, "flip at \(index)")
            }
        }
        let garbage = ImageFileCheckTests.signature + ImageFileCheckTests.header(4, 4)
            + ImageFileCheckTests.chunk("IDAT", Array(repeating: 0xAB, count: 40)) + ImageFileCheckTests.chunk("IEND", [])
        #expect(PNG.decodePlainRGB(garbage) == nil)
        #expect(thrownMessage { _ = try PNG.decode(garbage, path: "g.png") }.hasPrefix("g.png: libpng: "))
    }
}
