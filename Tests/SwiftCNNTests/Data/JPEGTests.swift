import Foundation
import Testing

@testable import SwiftCNN

@Suite struct JPEGTests {
    /// A smooth 16×8 gradient, which JPEG keeps within a few units.
    static let gradient = PixelImage(
        width: 16, height: 8, channels: 3,
        pixels: (0..<8).flatMap { y in (0..<16).flatMap { x in [UInt8(x * 16), UInt8(y * 32), 128] } })

    @Test func decodesWhatLibjpegEncodes() throws {
        let bytes = try JPEG.encode(Self.gradient)
        let frame = try JPEG.validate(bytes, path: "g.jpg")
        #expect(frame.width == 16 && frame.height == 8 && frame.components == 3)
        let dir = try makeDataTestDirectory()
        try writeDataTestFile(bytes, dir + "/g.jpg")
        let image = try JPEG.read(dir + "/g.jpg")
        #expect(image.width == 16 && image.height == 8 && image.channels == 3)
        let worst = zip(image.pixels, Self.gradient.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        #expect(worst < 24, "largest channel error \(worst)")
        let input = try ImageResize.modelInput(image, height: 32, width: 32, channels: 1)
        #expect(input.shape == [32, 32, 1])
    }

    @Test func structuralErrorsNameTheFile() throws {
        let good = try JPEG.encode(Self.gradient)
        #expect(
            thrownMessage { _ = try JPEG.decode([], path: "e.jpg") }
                == "e.jpg: not a valid JPEG (empty file)")
        #expect(
            thrownMessage { _ = try JPEG.decode(Array("GIF89a".utf8), path: "x.jpg") }.hasPrefix(
                "x.jpg: not a valid JPEG (no SOI"))
        // Cut inside the header segments.
        let cut = thrownMessage { _ = try JPEG.decode(Array(good.prefix(30)), path: "c.jpg") }
        #expect(cut.hasPrefix("c.jpg: not a valid JPEG ("), "\(cut)")
        // Remove every DQT segment: the frame's tables are then undefined.
        var noDQT: [UInt8] = [0xFF, 0xD8]
        var i = 2
        while i + 4 <= good.count, good[i] == 0xFF, good[i + 1] != 0xDA {
            let length = Int(good[i + 2]) << 8 | Int(good[i + 3])
            if good[i + 1] != 0xDB { noDQT += good[i..<(i + 2 + length)] }
            i += 2 + length
        }
        noDQT += good[i...]
        let dqt = thrownMessage { _ = try JPEG.decode(noDQT, path: "q.jpg") }
        #expect(
            dqt == "q.jpg: not a valid JPEG (quantisation table 0 is used but never defined)", "\(dqt)")
    }

    @Test func libjpegFatalErrorThrowsInsteadOfExiting() throws {
        // A Huffman table with three 1-bit codes passes the structure check, but libjpeg
        // rejects it ("Bogus Huffman table definition") through error_exit.
        var bad = try JPEG.encode(Self.gradient)
        guard let dht = (0..<(bad.count - 1)).first(where: { bad[$0] == 0xFF && bad[$0 + 1] == 0xC4 })
        else {
            Issue.record("encoder wrote no DHT")
            return
        }
        let counts = dht + 5  // marker(2) + length(2) + class/id(1)
        guard let donor = (1..<16).first(where: { bad[counts + $0] >= 3 }) else {
            Issue.record("no code length with 3 codes to move")
            return
        }
        bad[counts + donor] -= 3
        bad[counts] += 3
        let message = thrownMessage { _ = try JPEG.decode(bad, path: "h.jpg") }
        #expect(message.hasPrefix("h.jpg: libjpeg: "), "\(message)")
        // The process is still fine: a good image decodes afterwards.
        #expect(try JPEG.decode(try JPEG.encode(Self.gradient)).width == 16)
    }

    @Test func truncatedImageDataDoesNotCrash() throws {
        let good = try JPEG.encode(Self.gradient)
        let message = thrownMessage {
            _ = try JPEG.decode(Array(good.prefix(good.count - 40)), path: "t.jpg")
        }
        // libjpeg pads a truncated scan with gray and warns; either outcome is acceptable.
        #expect(message == "(no error thrown)" || message.hasPrefix("t.jpg: "), "\(message)")
    }
}
