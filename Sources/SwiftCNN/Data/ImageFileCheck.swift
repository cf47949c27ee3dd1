import Foundation
import Synchronization

/// The pass over a folder dataset's files before training: each file is read and its
/// structure checked (signature, header, the PNG chunks up to IEND or the JPEG markers up
/// to SOS and EOI) without decoding pixels, so bad files are listed up front while the
/// pixels are decoded later, as training needs them (``StreamingImages``).
///
/// ```swift
/// try ImageFileCheck.checkAll(files.paths)   // one error listing every bad file
/// ```
public enum ImageFileCheck {
    /// Checks one file's bytes as PNG or JPEG, chosen by its first bytes.
    /// - Throws: one error naming `path` and what is wrong.
    public static func check(_ bytes: [UInt8], path: String) throws {
        if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47]) {
            _ = try PNG.checkStructure(bytes, path: path)
        } else if bytes.starts(with: [0xFF, 0xD8]) {
            let frame = try JPEG.validate(bytes, path: path)
            guard frame.complete else {
                throw SwiftCNNError("\(path): not a valid JPEG (no EOI marker at the end: truncated)")
            }
        } else {
            // Not an image we decode: the decoder's own message (BMP, GIF, empty, other).
            _ = try ImageDecoder.decode(bytes, path: path)
        }
    }

    /// Reads and checks the file at `path`.
    public static func check(path: String) throws {
        try check(BinaryFile.read(path, maxBytes: JPEG.maxFileBytes), path: path)
    }

    /// Checks every file, on all cores.
    /// - Throws: one error listing the bad files in order (up to `maxReported`), each as
    ///   `path: why`.
    public static func checkAll(_ paths: [String], maxReported: Int = 20) throws {
        let problems = Mutex<[Int: String]>([:])
        DispatchQueue.concurrentPerform(iterations: paths.count) { index in
            do {
                try check(path: paths[index])
            } catch {
                let message = BadImageFiles.message(error)
                problems.withLock { $0[index] = message }
            }
        }
        let bad = problems.withLock { $0 }
        if !bad.isEmpty { throw BadImageFiles.error(bad, paths: paths, maxReported: maxReported) }
    }
}
