import CZlib
import Foundation

/// MNIST and Fashion-MNIST in the IDX format, plain or gzip-compressed: images are
/// magic `0x00000803` followed by big-endian `N`, rows, columns and `N·rows·columns` bytes;
/// labels are magic `0x00000801`, `N` and `N` bytes.
///
/// ```swift
/// let test = try IDX.load(split: .test, directory: "/usr/share/datasets/fashion-mnist",
///                         classNames: IDX.fashionMNISTClassNames)
/// // test.images: [10000, 28, 28, 1] in [0, 1]
/// ```
public enum IDX {
    /// The MNIST digit classes.
    public static let mnistClassNames = (0...9).map(String.init)
    /// The Fashion-MNIST classes.
    public static let fashionMNISTClassNames = [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
        "Ankle boot",
    ]
    /// The largest file accepted, compressed or not (MNIST's images are 47 MB).
    static let maxBytes = 1 << 30

    /// The file stems of a split: `train-images-idx3-ubyte` or `t10k-images-idx3-ubyte` and
    /// the labels beside them. A `.gz` suffix or the `train-images.idx3-ubyte` spelling is
    /// also accepted when the plain file is absent.
    public static func fileStems(for split: DatasetSplit) -> (images: String, labels: String) {
        let prefix = split == .train ? "train" : "t10k"
        return ("\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte")
    }

    /// The existing file for `stem` in `directory`, plain or `.gz`; `nil` when there is none.
    public static func findFile(stem: String, directory: String) -> String? {
        let dotted = stem.replacingOccurrences(of: "-idx", with: ".idx")
        for name in [stem, stem + ".gz", dotted, dotted + ".gz"] {
            let path = (directory as NSString).appendingPathComponent(name)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }

    /// Loads one split from `directory`, images as `[N, rows, cols, 1]` in [0, 1].
    /// - Throws: ``SwiftCNNError`` naming the file and what is wrong (missing file, wrong
    ///   magic, dimensions that disagree with the data, a label outside the classes).
    public static func load(
        split: DatasetSplit, directory: String, classNames: [String] = mnistClassNames,
        limit: Int? = nil
    ) throws -> Dataset {
        let stems = fileStems(for: split)
        guard let imagePath = findFile(stem: stems.images, directory: directory) else {
            throw SwiftCNNError("\(directory)/\(stems.images)[.gz]: no such file")
        }
        guard let labelPath = findFile(stem: stems.labels, directory: directory) else {
            throw SwiftCNNError("\(directory)/\(stems.labels)[.gz]: no such file")
        }
        return try load(imagesAt: imagePath, labelsAt: labelPath, classNames: classNames, limit: limit)
    }

    /// Loads a pair of IDX files (either may be gzip-compressed).
    public static func load(
        imagesAt imagePath: String, labelsAt labelPath: String, classNames: [String] = mnistClassNames,
        limit: Int? = nil
    ) throws -> Dataset {
        let (images, imageCount) = try readImagesCounting(imagePath, limit: limit)
        let (labels, labelCount) = try readLabelsCounting(
            labelPath, classCount: classNames.count, limit: limit)
        guard imageCount == labelCount else {
            throw SwiftCNNError(
                "\(imagePath): holds \(imageCount) images but \(labelPath) holds \(labelCount) labels")
        }
        return Dataset(unchecked: images, labels: labels, classNames: classNames)
    }

    /// Reads an image file (`0x00000803`) as `[N, rows, cols, 1]` floats in [0, 1].
    public static func readImages(_ path: String, limit: Int? = nil) throws -> Tensor {
        try readImagesCounting(path, limit: limit).0
    }

    /// The images (cut at `limit`) and the number the file holds.
    static func readImagesCounting(_ path: String, limit: Int?) throws -> (Tensor, Int) {
        try decodeImages(contents(of: path), path: path, limit: limit)
    }

    /// Decodes the (inflated) bytes of an image file; `path` names it in errors.
    static func decodeImages(_ bytes: [UInt8], path: String, limit: Int?) throws -> (Tensor, Int) {
        let header = try parseHeader(
            bytes, path: path, expectedType: 0x08, expectedRank: 3, what: "images")
        let (n, rows, cols) = (header.dims[0], header.dims[1], header.dims[2])
        guard rows > 0, cols > 0 else {
            throw SwiftCNNError("\(path): image size \(rows)×\(cols) is empty")
        }
        let perImage = rows * cols
        let available = bytes.count - header.size
        guard available == n * perImage else {
            throw SwiftCNNError(
                "\(path): header says \(n) images of \(rows)×\(cols) (\(n * perImage) bytes) but the file holds "
                    + "\(available) bytes of pixels"
                    + (available < n * perImage ? "; image \(available / perImage) is truncated" : ""))
        }
        let kept = min(n, max(0, limit ?? n))
        var tensor = Tensor(uninitializedShape: [kept, rows, cols, 1])
        let table = (0..<256).map { Float($0) / 255 }
        bytes.withUnsafeBufferPointer { raw in
            table.withUnsafeBufferPointer { scale in
                tensor.withUnsafeMutableBufferPointer { out in
                    let count = kept * perImage
                    for i in 0..<count { out[i] = scale[Int(raw[header.size + i])] }
                }
            }
        }
        return (tensor, n)
    }

    /// Reads a label file (`0x00000801`) as `[N]` floats, each below `classCount`.
    public static func readLabels(_ path: String, classCount: Int = 10, limit: Int? = nil) throws
        -> Tensor
    {
        try readLabelsCounting(path, classCount: classCount, limit: limit).0
    }

    /// The labels (cut at `limit`) and the number the file holds.
    static func readLabelsCounting(_ path: String, classCount: Int, limit: Int?) throws -> (
        Tensor, Int
    ) {
        try decodeLabels(contents(of: path), path: path, classCount: classCount, limit: limit)
    }

    /// Decodes the (inflated) bytes of a label file; `path` names it in errors.
    static func decodeLabels(_ bytes: [UInt8], path: String, classCount: Int, limit: Int?) throws
        -> (Tensor, Int)
    {
        let header = try parseHeader(
            bytes, path: path, expectedType: 0x08, expectedRank: 1, what: "labels")
        let n = header.dims[0]
        let available = bytes.count - header.size
        guard available == n else {
            throw SwiftCNNError(
                "\(path): header says \(n) labels but the file holds \(available) bytes of labels")
        }
        let kept = min(n, max(0, limit ?? n))
        var tensor = Tensor(uninitializedShape: [kept])
        try bytes.withUnsafeBufferPointer { raw in
            try tensor.withUnsafeMutableBufferPointer { out in
                for i in 0..<kept {
                    let label = raw[header.size + i]
                    guard Int(label) < classCount else {
                        throw SwiftCNNError(
                            "\(path): label \(i) is \(label); expected a class index below \(classCount)")
                    }
                    out[i] = Float(label)
                }
            }
        }
        return (tensor, n)
    }

    /// The header of an IDX file: its dimensions and its length in bytes.
    struct Header {
        var dims: [Int]
        var size: Int
    }

    static func parseHeader(
        _ bytes: [UInt8], path: String, expectedType: UInt8, expectedRank: Int, what: String
    ) throws -> Header {
        guard !bytes.isEmpty else { throw SwiftCNNError("\(path): empty file") }
        let size = 4 + 4 * expectedRank
        let expectedMagic = String(format: "0x000008%02X", expectedRank)
        guard bytes.count >= 4 else {
            throw SwiftCNNError(
                "\(path): file is \(bytes.count) bytes, too short for the IDX magic number")
        }
        let magic = bytes[0..<4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard bytes[0] == 0, bytes[1] == 0, bytes[2] == expectedType, Int(bytes[3]) == expectedRank
        else {
            throw SwiftCNNError(
                "\(path): magic number \(String(format: "0x%08X", magic)) is not \(expectedMagic) "
                    + "(IDX \(what) of unsigned bytes)")
        }
        guard bytes.count >= size else {
            throw SwiftCNNError(
                "\(path): file is \(bytes.count) bytes, too short for its \(size)-byte header")
        }
        var dims: [Int] = []
        for d in 0..<expectedRank {
            let o = 4 + 4 * d
            let value = bytes[o..<(o + 4)].reduce(0) { $0 << 8 | Int($1) }
            dims.append(value)
        }
        // Each dimension is below 2^32, but their product could overflow: bound it by the file.
        // Zeros are skipped so that every partial product (rows × columns of an image file
        // holding no images, say) is bounded too.
        var product = 1
        for value in dims where value != 0 {
            let (p, overflow) = product.multipliedReportingOverflow(by: value)
            guard !overflow, p <= maxBytes else {
                throw SwiftCNNError(
                    "\(path): dimensions \(dims.map(String.init).joined(separator: "×")) are larger than the file"
                )
            }
            product = p
        }
        return Header(dims: dims, size: size)
    }

    /// The bytes of `path`, inflated when the file starts with the gzip magic `1f 8b`.
    static func contents(of path: String) throws -> [UInt8] {
        try inflatedIfGzip(BinaryFile.read(path, maxBytes: maxBytes), path: path)
    }

    /// `bytes`, inflated when they start with the gzip magic `1f 8b`.
    static func inflatedIfGzip(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            return try Gzip.decompress(bytes, maxOutput: maxBytes, path: path)
        }
        return bytes
    }
}

/// gzip through zlib, streamed in chunks and bounded in size.
enum Gzip {
    /// Inflates a gzip stream (one or more members); refuses output beyond `maxOutput` bytes.
    static func decompress(_ input: [UInt8], maxOutput: Int, path: String) throws -> [UInt8] {
        var stream = z_stream()
        guard
            inflateInit2_(&stream, 16 + MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
                == Z_OK
        else {
            throw SwiftCNNError("\(path): zlib could not start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        output.reserveCapacity(min(maxOutput, input.count * 4))
        let chunkSize = 1 << 18
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        return try input.withUnsafeBufferPointer { inBuf -> [UInt8] in
            guard let inBase = inBuf.baseAddress else { throw SwiftCNNError("\(path): empty file") }
            stream.next_in = UnsafeMutablePointer(mutating: inBase)
            stream.avail_in = uInt(inBuf.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(chunkSize)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                let produced = chunkSize - Int(stream.avail_out)
                guard output.count + produced <= maxOutput else {
                    throw SwiftCNNError("\(path): inflates to more than \(maxOutput) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_OK:
                    if produced == 0 && stream.avail_in == 0 {
                        throw SwiftCNNError("\(path): gzip data is truncated after \(output.count) bytes")
                    }
                case Z_STREAM_END:
                    // Skip zero padding; another member may follow.
                    let rest = Int(stream.avail_in)
                    let offset = inBuf.count - rest
                    if rest == 0 || inBuf[offset...].allSatisfy({ $0 == 0 }) { return output }
                    guard inflateReset(&stream) == Z_OK else {
                        throw SwiftCNNError("\(path): zlib could not restart at byte \(offset)")
                    }
                case Z_BUF_ERROR:
                    throw SwiftCNNError("\(path): gzip data is truncated after \(output.count) bytes")
                default:
                    let why = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                    throw SwiftCNNError(
                        "\(path): corrupt gzip data at compressed byte \(inBuf.count - Int(stream.avail_in)) (\(why))"
                    )
                }
            }
        }
    }

    /// Compresses `input` as one gzip member, or as a zlib stream (a PNG's image data)
    /// with `zlib` (used by tests and fixtures).
    static func compress(_ input: [UInt8], zlib: Bool = false) throws -> [UInt8] {
        var stream = z_stream()
        guard
            deflateInit2_(
                &stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, zlib ? MAX_WBITS : 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                zlibVersion(),
                Int32(MemoryLayout<z_stream>.size)) == Z_OK
        else { throw SwiftCNNError("gzip: zlib could not start deflating") }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count))) + 64
        var output = [UInt8](repeating: 0, count: bound)
        var input = input
        let status = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = uInt(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = uInt(outBuf.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw SwiftCNNError("gzip: deflate failed (\(status))") }
        return Array(output[0..<Int(stream.total_out)])
    }
}
