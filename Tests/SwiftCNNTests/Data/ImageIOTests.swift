import Foundation
import Testing

@testable import SwiftCNN

@Suite struct ImageIOTests {
    @Test func pngRoundTripRGBAndRGBA() throws {
        let dir = try makeDataTestDirectory()
        let rgb = PixelImage(width: 3, height: 2, channels: 3, pixels: (0..<18).map { UInt8($0 * 13) })
        try PNG.write(rgb, to: dir + "/rgb.png")
        #expect(try PNG.read(dir + "/rgb.png") == rgb)
        let rgba = PixelImage(width: 1, height: 1, channels: 4, pixels: [10, 20, 30, 255])
        try PNG.write(rgba, to: dir + "/rgba.png")
        #expect(try PNG.read(dir + "/rgba.png").pixels == [10, 20, 30])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir).filter {
            $0.contains(".tmp-")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func pngErrorsNameTheFile() throws {
        let dir = try makeDataTestDirectory()
        let path = dir + "/bad.png"
        try writeDataTestFile(Array("not a png".utf8), path)
        #expect(thrownMessage { _ = try PNG.read(path) }.hasPrefix(path + ": not a PNG file"))
        let good = try PNG.encode(
            PixelImage(width: 8, height: 8, channels: 3, pixels: [UInt8](repeating: 9, count: 192)))
        try writeDataTestFile(Array(good.prefix(good.count - 20)), path)
        #expect(thrownMessage { _ = try PNG.read(path) }.hasPrefix(path + ": "))
        let short = PixelImage(width: 4, height: 4, channels: 3, pixels: [1, 2])
        #expect(
            thrownMessage { try PNG.write(short, to: dir + "/short.png") }.hasPrefix(
                dir + "/short.png: PNG:"))
    }

    @Test func resizeAndGrayscale() throws {
        // 2×2 RGB: red, green / blue, white.
        let image = PixelImage(
            width: 2, height: 2, channels: 3, pixels: [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])
        let same = try ImageResize.modelInput(image, height: 2, width: 2, channels: 3)
        #expect(same.scalars == image.pixels.map { Float($0) / 255 })
        let up = try ImageResize.modelInput(image, height: 4, width: 4, channels: 3)
        #expect(up.shape == [4, 4, 3])
        #expect(up.scalars[0] == 1 && up.scalars[1] == 0)  // corner stays red
        let gray = try ImageResize.modelInput(image, height: 1, width: 1, channels: 1)
        #expect(gray.shape == [1, 1, 1])
        #expect(abs(gray.scalars[0] - (0.2989 + 0.5870 + 0.1140 + 1) / 4) < 1e-4)
        #expect(
            thrownMessage { _ = try ImageResize.modelInput(image, height: 0, width: 2, channels: 3) }
                .hasPrefix("image input"))
    }

    @Test func npyRoundTripAndHeader() throws {
        let dir = try makeDataTestDirectory()
        let probs = try Tensor(shape: [3, 10], scalars: (0..<30).map { Float($0) / 7 })
        try NPY.write(probs, to: dir + "/p.npy")
        let bytes = try BinaryFile.read(dir + "/p.npy", maxBytes: 1 << 20)
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        let header = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 10), }"))
        #expect(header.hasSuffix("\n"))
        let back = try NPY.read(dir + "/p.npy")
        #expect(back.shape == [3, 10])
        #expect(back.scalars == probs.scalars)
        #expect(NPY.encode(try Tensor(shape: [2], scalars: [1, 2])).count % 64 == 8)
        try writeDataTestFile(Array(bytes.prefix(bytes.count - 4)), dir + "/short.npy")
        let message = thrownMessage { _ = try NPY.read(dir + "/short.npy") }
        #expect(message.hasPrefix(dir + "/short.npy: shape [3, 10] needs 120 bytes"), "\(message)")
    }

    @Test func historyCSVRoundTrip() throws {
        let dir = try makeDataTestDirectory()
        let history: [String: [Double]] = [
            "loss": [1.5, 1.25], "sparse_categorical_accuracy": [0.4, 0.5],
            "val_loss": [1.4, 1.3], "val_sparse_categorical_accuracy": [0.45, 0.55],
        ]
        try HistoryCSV.write(history, to: dir + "/history.csv")
        let text = String(
            decoding: try BinaryFile.read(dir + "/history.csv", maxBytes: 1 << 16), as: UTF8.self)
        #expect(
            text.hasPrefix(
                "epoch,loss,sparse_categorical_accuracy,val_loss,val_sparse_categorical_accuracy\n1,1.5,0.4,1.4,0.45\n"
            ))
        #expect(try HistoryCSV.read(dir + "/history.csv") == history)
        let bad = thrownMessage { _ = try HistoryCSV.decode("epoch,loss\n1,abc\n", path: "h.csv") }
        #expect(bad == "h.csv: line 2, column loss: 'abc' is not a number")
    }

    @Test func fontCoversPrintableASCII() {
        #expect(BitmapFont.glyphs.count == 95 * 5)
        #expect(Array(BitmapFont.columns("A")) == [0x7E, 0x11, 0x11, 0x11, 0x7E])
    }

    @Test func trainingCurvesPNGIsDecodable() throws {
        let dir = try makeDataTestDirectory()
        let history: [String: [Double]] = [
            "loss": [1.6, 1.2, 1.0, 0.9, 0.8],
            "sparse_categorical_accuracy": [0.42, 0.56, 0.62, 0.66, 0.7],
            "val_loss": [1.3, 1.1, 1.05, 1.0, 1.02],
            "val_sparse_categorical_accuracy": [0.52, 0.6, 0.63, 0.65, 0.64],
        ]
        let path = dir + "/curves.png"
        try TrainingCurves.write(history: history, to: path)
        let image = try PNG.read(path)
        #expect(image.width == 1000 && image.height == 400)
        // Both curve colors and black text appear.
        var colors = Set<[UInt8]>()
        for i in stride(from: 0, to: image.pixels.count, by: 3) {
            colors.insert(Array(image.pixels[i..<(i + 3)]))
        }
        #expect(colors.contains([31, 119, 180]))
        #expect(colors.contains([255, 127, 14]))
        #expect(colors.contains([0, 0, 0]))
        // One epoch still renders.
        _ = try TrainingCurves.render(history: ["loss": [2.3], "val_loss": [2.2]])
        #expect(
            thrownMessage { try TrainingCurves.write(history: [:], to: path) }.hasPrefix(
                path + ": curves:"))
        if let keep = ProcessInfo.processInfo.environment["SWIFTCNN_KEEP_CURVES"] {
            try TrainingCurves.write(history: history, to: keep)
        }
    }
}
