import Foundation
import Synchronization

extension StreamingImages {
    /// The pass over folder datasets' files before training, on all cores, reading each
    /// file once. A plain 8-bit RGB PNG already of the image size (what a CIFAR-like folder
    /// holds) is decoded then, straight into its set's 8-bit pixels: decoding it costs
    /// about what checking its structure costs, so the check is the decode and training
    /// decodes nothing more. Any other file has its structure checked
    /// (``ImageFileCheck/check(_:path:)``) and is decoded as training reaches it, so a
    /// folder of large photos or JPEGs still decodes while training runs.
    /// - Throws: one error listing every bad file of all `sets` in order (up to
    ///   `maxReported`), each as `path: why`.
    public static func checkAndDecode(_ sets: [StreamingImages], maxReported: Int = 20) throws {
        let paths = sets.flatMap(\.files.paths)
        // Every file as (set, index in the set).
        let owners = sets.indices.flatMap { set in (0..<sets[set].count).map { (set, $0) } }
        let problems = Mutex<[Int: String]>([:])
        let decodedHere = Mutex<[Int]>([])
        PNGPlainRGBDecoder.forEachFile(paths.count) { decoder, index in
            let (images, local) = (sets[owners[index].0], owners[index].1)
            do {
                let bytes = try BinaryFile.read(paths[index], maxBytes: JPEG.maxFileBytes)
                let output = images.pixels.baseAddress! + local * images.bytesPerImage
                if images.folder.decodePlain(bytes, into: output, with: decoder) {
                    decodedHere.withLock { $0.append(index) }
                } else {
                    try ImageFileCheck.check(bytes, path: paths[index])
                }
            } catch {
                let message = BadImageFiles.message(error)
                problems.withLock { $0[index] = message }
            }
        }
        let bad = problems.withLock { $0 }
        if !bad.isEmpty { throw BadImageFiles.error(bad, paths: paths, maxReported: maxReported) }
        for index in decodedHere.withLock({ $0 }) { sets[owners[index].0].markDecoded(owners[index].1) }
    }

    /// Records that image `index` holds its decoded pixels.
    private func markDecoded(_ index: Int) {
        lock.withLock {
            guard !decoded[index] else { return }
            decoded[index] = true
            remaining -= 1
        }
    }
}
