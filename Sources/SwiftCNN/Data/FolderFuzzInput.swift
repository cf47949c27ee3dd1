import Foundation

/// The input of the `image_folder` fuzz target (Tools/fuzz/targets/image_folder.swift)
/// and of its regression replay: a folder tree in one byte string, so the fuzzer varies
/// folder names, file names and file contents together. Each entry is a path length
/// (1 byte), the path, a content length (2 bytes, little-endian) and the content; at most
/// 24 entries. A root file `labels.txt` makes it a `--labels` dataset.
enum FolderFuzzInput {
    /// Writes the entries under `directory` (a path that would leave it is skipped), then
    /// indexes, checks and decodes the folder as `swiftcnn train --data DIR
    /// --validation-split 0.5` does (training images streamed), and, when that works, as
    /// decoding everything first: both must give the same images.
    static func run(_ bytes: [UInt8], in directory: String) throws {
        var i = 0
        var entries = 0
        while i < bytes.count && entries < 24 {
            let pathLength = Int(bytes[i])
            i += 1
            let pathEnd = min(bytes.count, i + pathLength)
            let path = String(decoding: bytes[i..<pathEnd], as: UTF8.self)
            i = pathEnd
            guard i + 2 <= bytes.count else { break }
            let contentLength = Int(bytes[i]) | Int(bytes[i + 1]) << 8
            i += 2
            let contentEnd = min(bytes.count, i + contentLength)
            let content = Array(bytes[i..<contentEnd])
            i = contentEnd
            entries += 1
            let parts = path.split(separator: "/")
            guard !parts.isEmpty, !path.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." }),
                !path.contains("\0")
            else { continue }
            // Built from the components, not with NSString's path methods: Foundation
            // traps in deletingLastPathComponent on some runs of slashes (a fuzz finding
            // in this harness, not in the readers).
            let full = directory + "/" + parts.joined(separator: "/")
            try? FileManager.default.createDirectory(
                atPath: directory + "/" + parts.dropLast().joined(separator: "/"), withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: full, contents: Data(content))
        }
        var dataset = FolderDataset(directory: directory)
        let labels = (directory as NSString).appendingPathComponent("labels.txt")
        if FileManager.default.fileExists(atPath: labels) { dataset.labelsFile = labels }
        dataset.validationSplit = 0.5
        dataset.folder = ImageFolder(imageSize: (4, 4))
        let (streamed, streamedTest) = try dataset.streamingSplits()
        let train = try streamed.decodedAll()
        precondition(train.pixels.count == train.count * 48 && streamedTest.pixels.count == streamedTest.count * 48)
        let (whole, wholeTest) = try dataset.loadSplits()
        precondition(whole.pixels == train.pixels && wholeTest.pixels == streamedTest.pixels)
    }
}
