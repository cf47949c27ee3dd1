import Foundation

/// CIFAR-10 in its official *binary version* layout (`cifar-10-batches-bin/`):
/// `data_batch_1.bin` … `data_batch_5.bin` and `test_batch.bin`, each a run of records of
/// 1 label byte followed by 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue, each a
/// 32×32 row-major plane).
///
/// ```swift
/// let train = try CIFAR10.load(split: .train, directory: "data/cifar-10-batches-bin")
/// // train.images: [50000, 32, 32, 3] in [0, 1]; train.labels: [50000]
/// ```
public enum CIFAR10 {
    /// Image side in pixels.
    public static let side = 32
    /// Bytes in one record: the label byte and three 32×32 planes.
    public static let recordSize = 1 + 3 * 32 * 32
    /// The ten class names of the official `batches.meta.txt`.
    public static let defaultClassNames = [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]
    /// Files of each split, in the order their records are read.
    public static func fileNames(for split: DatasetSplit) -> [String] {
        switch split {
        case .train: return (1...5).map { "data_batch_\($0).bin" }
        case .test: return ["test_batch.bin"]
        }
    }

    /// The largest batch file accepted (the official ones hold 10,000 records).
    static let maxFileBytes = 1_000_000 * recordSize

    /// Loads one split from `directory` (the folder holding the `.bin` files).
    /// - Parameters:
    ///   - directory: the folder holding `data_batch_1.bin` … `test_batch.bin`.
    ///   - split: which files to read: the five training batches or the test batch.
    ///   - limit: read only the first `limit` records of the split.
    /// - Throws: ``SwiftCNNError`` naming the file and record when a file is missing,
    ///   truncated or holds a label outside 0…9.
    public static func load(split: DatasetSplit, directory: String, limit: Int? = nil) throws
        -> Dataset
    {
        let names = try classNames(directory: directory)
        let paths = fileNames(for: split).map { (directory as NSString).appendingPathComponent($0) }
        // Validate every file's size first, then allocate once.
        var counts: [Int] = []
        for path in paths {
            let size = try BinaryFile.size(path)
            counts.append(try recordCount(path: path, size: size))
        }
        var remaining = max(0, limit ?? Int.max)
        var plan: [(path: String, records: Int, first: Int)] = []
        var total = 0
        for (path, count) in zip(paths, counts) where remaining > 0 {
            let n = min(count, remaining)
            plan.append((path, n, total))
            total += n
            remaining -= n
        }
        let pixelsPerImage = side * side * 3
        var images = Tensor(uninitializedShape: [total, side, side, 3])
        var labels = Tensor(uninitializedShape: [total])
        for part in plan {
            let bytes = try BinaryFile.read(
                part.path, count: part.records * recordSize, maxBytes: maxFileBytes)
            try bytes.withUnsafeBufferPointer { raw in
                labels.withUnsafeMutableBufferPointer { labelOut in
                    images.withUnsafeMutableBufferPointer { imageOut in
                        guard let imageBase = imageOut.baseAddress, let labelBase = labelOut.baseAddress else {
                            return
                        }
                        decode(
                            raw, records: part.records,
                            images: imageBase + part.first * pixelsPerImage, labels: labelBase + part.first)
                    }
                }
                try checkLabels(raw, records: part.records, path: part.path)
            }
        }
        return Dataset(unchecked: images, labels: labels, classNames: names)
    }

    /// The number of whole records in a file of `size` bytes, or an error for an empty or
    /// truncated file.
    static func recordCount(path: String, size: Int) throws -> Int {
        guard size > 0 else {
            throw SwiftCNNError(
                "\(path): empty file (expected records of \(recordSize) bytes: 1 label + 3072 pixels)")
        }
        guard size <= maxFileBytes else {
            throw SwiftCNNError("\(path): file is \(size) bytes, more than the \(maxFileBytes) allowed")
        }
        let whole = size / recordSize
        let extra = size % recordSize
        guard extra == 0 else {
            throw SwiftCNNError(
                "\(path): truncated record \(whole) (0-based): the file is \(size) bytes, which leaves "
                    + "\(extra) of the record's \(recordSize) bytes (1 label + 3072 pixels)")
        }
        return whole
    }

    /// Throws for the first record whose label byte is not a class index.
    static func checkLabels(_ raw: UnsafeBufferPointer<UInt8>, records: Int, path: String) throws {
        for record in 0..<records {
            let label = raw[record * recordSize]
            if label >= 10 {
                throw SwiftCNNError(
                    "\(path): record \(record) (byte offset \(record * recordSize)) has label \(label); "
                        + "CIFAR-10 labels are 0...9")
            }
        }
    }

    /// Planar RGB bytes to interleaved NHWC floats in [0, 1]; `raw` holds `records` records.
    static func decode(
        _ raw: UnsafeBufferPointer<UInt8>, records: Int,
        images: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Float>
    ) {
        let plane = side * side
        // x / 255 exactly as the course computes it, looked up instead of divided.
        let table = (0..<256).map { Float($0) / 255 }
        table.withUnsafeBufferPointer { scale in
            guard let src = raw.baseAddress, raw.count >= records * recordSize else { return }
            for record in 0..<records {
                let r = src + record * recordSize
                labels[record] = Float(r[0])
                let red = r + 1
                let green = red + plane
                let blue = green + plane
                let out = images + record * plane * 3
                for p in 0..<plane {
                    out[3 * p] = scale[Int(red[p])]
                    out[3 * p + 1] = scale[Int(green[p])]
                    out[3 * p + 2] = scale[Int(blue[p])]
                }
            }
        }
    }

    /// The class names from `batches.meta.txt` when the folder has one, else the standard ten.
    static func classNames(directory: String) throws -> [String] {
        let path = (directory as NSString).appendingPathComponent("batches.meta.txt")
        guard FileManager.default.fileExists(atPath: path) else { return defaultClassNames }
        let bytes = try BinaryFile.read(path, maxBytes: 1 << 16)
        let text = String(decoding: bytes, as: UTF8.self)
        let names = text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard names.count == 10 else {
            throw SwiftCNNError("\(path): expected 10 class names, one a line, found \(names.count)")
        }
        return names
    }
}
