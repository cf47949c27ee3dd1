import Foundation

/// NumPy's `.npy` format (version 1.0) for float32 arrays, so `np.load("probs.npy")` reads
/// what `swiftcnn predict --output` writes.
///
/// ```swift
/// try NPY.write(probabilities, to: "probs.npy")   // shape (N, 10), dtype <f4
/// let back = try NPY.read("probs.npy")
/// ```
public enum NPY {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    static let maxFileBytes = 4 << 30

    /// The file's bytes: magic, version 1.0, a header padded with spaces so the data starts
    /// on a 64-byte boundary, then little-endian float32 values in C order.
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        let dims = tensor.shape.map(String.init)
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes = magic + [1, 0]
        let length = header.utf8.count
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        bytes += Array(header.utf8)
        tensor.withUnsafeBufferPointer { values in
            bytes.reserveCapacity(bytes.count + values.count * 4)
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        }
        return bytes
    }

    /// Writes `tensor` as a float32 `.npy` file, atomically.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try AtomicFile.write(encode(tensor), to: path)
    }

    /// Reads a little-endian float32, C-order `.npy` file (versions 1.0 to 3.0).
    public static func read(_ path: String) throws -> Tensor {
        try decode(BinaryFile.read(path, maxBytes: maxFileBytes), path: path)
    }

    /// Parses `.npy` bytes; `path` names the source in errors.
    public static func decode(_ bytes: [UInt8], path: String = "npy") throws -> Tensor {
        guard bytes.count >= 10, bytes[0..<6].elementsEqual(magic) else {
            throw SwiftCNNError("\(path): not a .npy file (bad magic)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw SwiftCNNError("\(path): truncated header") }
            headerLength = (8..<12).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 8)) }
            headerStart = 12
        default:
            throw SwiftCNNError("\(path): unsupported .npy version \(major).\(bytes[7])")
        }
        guard headerLength <= bytes.count - headerStart else {
            throw SwiftCNNError("\(path): header of \(headerLength) bytes runs past the end of the file")
        }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        guard let descr = field("descr", in: header),
            descr.contains("'<f4'") || descr.contains("\"<f4\"")
        else {
            throw SwiftCNNError(
                "\(path): only little-endian float32 ('<f4') is supported; header is \(header)")
        }
        if let fortran = field("fortran_order", in: header), fortran.hasPrefix("True") {
            throw SwiftCNNError("\(path): Fortran-ordered arrays are not supported")
        }
        guard let shapeText = field("shape", in: header), shapeText.hasPrefix("("),
            let close = shapeText.firstIndex(of: ")")
        else { throw SwiftCNNError("\(path): header has no shape: \(header)") }
        let inner = shapeText[shapeText.index(after: shapeText.startIndex)..<close]
        var shape: [Int] = []
        for part in inner.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let d = Int(trimmed), d >= 0 else {
                throw SwiftCNNError("\(path): bad dimension '\(trimmed)' in shape")
            }
            shape.append(d)
        }
        let dataStart = headerStart + headerLength
        var count = 1
        for d in shape {
            let (p, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, p <= (bytes.count - dataStart) / 4 + 1 else {
                throw SwiftCNNError("\(path): shape \(describe(shape)) is larger than the file")
            }
            count = p
        }
        guard bytes.count - dataStart == count * 4 else {
            throw SwiftCNNError(
                "\(path): shape \(describe(shape)) needs \(count * 4) bytes of data, the file has \(bytes.count - dataStart)"
            )
        }
        var tensor = Tensor(uninitializedShape: shape)
        bytes.withUnsafeBytes { raw in
            tensor.withUnsafeMutableBufferPointer { out in
                for i in 0..<count {
                    let bits = raw.loadUnaligned(fromByteOffset: dataStart + 4 * i, as: UInt32.self)
                    out[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
        }
        return tensor
    }

    /// The text after `'key':` in a header dictionary.
    static func field(_ key: String, in header: String) -> Substring? {
        for quote in ["'", "\""] {
            if let range = header.range(of: "\(quote)\(key)\(quote):") {
                return header[range.upperBound...].drop(while: { $0 == " " })
            }
        }
        return nil
    }
}
