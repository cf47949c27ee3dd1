import Foundation

// The safetensors format (huggingface/safetensors):
//
//   u64 little-endian N | N bytes of JSON header | tensor data
//
// The header maps each tensor name to {"dtype","shape","data_offsets":[b,e]}
// (offsets relative to the data section) plus an optional "__metadata__"
// string-to-string map. The writer mirrors the reference Rust serializer so
// files are byte-identical to `safetensors.numpy.save`: tensors ordered by
// dtype (widest first, in its Dtype enum order) then name, compact JSON,
// header padded with spaces to a multiple of 8 bytes. The reader enforces
// the reference validation: a bounded header, known dtypes, offsets that tile
// the data section exactly in order, and sizes that match the shapes.

/// Reading and writing `.safetensors` files.
public enum SafeTensors {
    /// A file's tensors (in data order) and its `__metadata__`.
    public struct Contents: Sendable, Equatable {
        /// The tensors in file order, with their names.
        public var tensors: [(name: String, tensor: CheckpointTensor)]
        /// The `__metadata__` string map (empty when the file has none).
        public var metadata: [String: String]

        public static func == (a: Contents, b: Contents) -> Bool {
            a.metadata == b.metadata
                && a.tensors.elementsEqual(b.tensors) { $0.name == $1.name && $0.tensor == $1.tensor }
        }
    }

    /// The reference implementation refuses headers above 100 MB.
    static let maxHeaderSize = 100_000_000

    /// The bytes of a safetensors file holding `tensors`.
    public static func encode(
        _ tensors: [(name: String, tensor: CheckpointTensor)], metadata: [String: String] = [:],
        file: String = "<safetensors>"
    ) throws -> [UInt8] {
        var seen = Set<String>()
        for (name, tensor) in tensors {
            guard seen.insert(name).inserted else {
                throw CheckpointError(file: file, variable: name, message: "duplicate tensor name")
            }
            guard name != "__metadata__" else {
                throw CheckpointError(file: file, variable: name, message: "reserved name")
            }
            guard tensor.dtype.safetensorsName != nil else {
                throw CheckpointError(
                    file: file, variable: name, message: "dtype \(tensor.dtype) has no safetensors equivalent")
            }
        }
        let ordered = tensors.sorted { a, b in
            let (ra, rb) = (a.tensor.dtype.safetensorsRank, b.tensor.dtype.safetensorsRank)
            return ra != rb ? ra > rb : bytewiseLess(Array(a.name.utf8), Array(b.name.utf8))
        }
        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let entries = metadata.keys.sorted { bytewiseLess(Array($0.utf8), Array($1.utf8)) }
                .map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            fields.append("\"__metadata__\":{" + entries.joined(separator: ",") + "}")
        }
        var offset = 0
        for (name, tensor) in ordered {
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append(
                "\(jsonString(name)):{\"dtype\":\"\(tensor.dtype.safetensorsName ?? "")\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}"
            )
            offset = end
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out: [UInt8] = []
        out.reserveCapacity(8 + header.count + offset)
        out.appendFixed64(UInt64(header.count))
        out += header
        for (_, tensor) in ordered { out += tensor.bytes }
        return out
    }

    /// Writes a safetensors file atomically.
    public static func write(
        _ tensors: [(name: String, tensor: CheckpointTensor)], metadata: [String: String] = [:], to path: String
    ) throws {
        try AtomicFile.write(encode(tensors, metadata: metadata, file: path), to: path)
    }

    /// Reads and validates a safetensors file.
    public static func read(path: String) throws -> Contents {
        try decode(readWholeFile(path), file: path)
    }

    /// Decodes and validates safetensors bytes.
    public static func decode(_ bytes: [UInt8], file: String = "<safetensors>") throws -> Contents {
        func fail(_ message: String, _ name: String? = nil) -> CheckpointError {
            CheckpointError(file: file, variable: name, message: message)
        }
        var reader = ByteReader(bytes[...])
        guard let headerSize = try? reader.readFixed64() else {
            throw fail("file of \(bytes.count) bytes has no 8-byte header length")
        }
        guard headerSize <= UInt64(maxHeaderSize), Int(headerSize) <= reader.remaining else {
            throw fail("header length \(headerSize) exceeds the file (\(bytes.count) bytes) or the 100 MB limit")
        }
        let headerBytes = bytes[8..<(8 + Int(headerSize))]
        guard headerBytes.first == UInt8(ascii: "{"), String(validating: headerBytes, as: UTF8.self) != nil else {
            throw fail("header is not a UTF-8 JSON object")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw fail("header is not valid JSON (\(error.localizedDescription))")
        }
        guard let object = parsed as? [String: Any] else { throw fail("header is not a JSON object") }
        let dataStart = 8 + Int(headerSize)
        let dataSize = bytes.count - dataStart

        var metadata: [String: String] = [:]
        var infos: [(name: String, dtype: CheckpointDType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw fail("__metadata__ value for '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("entry is not an object", name) }
            guard let dtypeName = info["dtype"] as? String, let dtype = CheckpointDType(safetensorsName: dtypeName)
            else {
                let found = info["dtype"].map { "'\($0)'" } ?? "none"
                throw fail(
                    "missing or unsupported dtype \(found) (expected one of F64, F32, F16, BF16, I64, I32, I16, I8, "
                        + "U64, U32, U16, U8, BOOL)", name)
            }
            guard let shape = integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("shape is not a list of non-negative integers", name)
            }
            guard let offsets = integers(info["data_offsets"]), offsets.count == 2 else {
                throw fail("data_offsets is not a pair of integers", name)
            }
            infos.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        infos.sort { $0.begin != $1.begin ? $0.begin < $1.begin : $0.end < $1.end }
        var expectedBegin = 0
        var tensors: [(name: String, tensor: CheckpointTensor)] = []
        for info in infos {
            guard info.begin == expectedBegin, info.end >= info.begin else {
                throw fail(
                    "data_offsets [\(info.begin), \(info.end)] leave a gap or overlap (expected start \(expectedBegin))",
                    info.name)
            }
            guard let size = byteCount(info.dtype, info.shape), size == info.end - info.begin else {
                throw fail("\(info.end - info.begin) bytes do not match \(info.dtype) shape \(info.shape)", info.name)
            }
            guard info.end <= dataSize else {
                throw fail("data_offsets end \(info.end) is past the \(dataSize)-byte data section", info.name)
            }
            let data = Array(bytes[(dataStart + info.begin)..<(dataStart + info.end)])
            tensors.append(
                (info.name, CheckpointTensor(validated: info.dtype, shape: info.shape, bytes: data, strings: [])))
            expectedBegin = info.end
        }
        guard expectedBegin == dataSize else {
            throw fail("tensors cover \(expectedBegin) bytes but the data section has \(dataSize)")
        }
        return Contents(tensors: tensors, metadata: metadata)
    }
}

/// Integers from a JSON array (NSNumber-backed), rejecting fractions and
/// values beyond 2^53.
private func integers(_ value: Any?) -> [Int]? {
    guard let array = value as? [Any] else { return nil }
    var out: [Int] = []
    for element in array {
        guard let number = element as? NSNumber,
            let d = Double(exactly: number.doubleValue), d == d.rounded(), abs(d) < 9.0e15
        else { return nil }
        out.append(number.intValue)
    }
    return out
}

/// A JSON string literal escaped as serde_json does: quote, backslash and
/// control characters escaped, everything else (non-ASCII too) verbatim.
private func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{08}": out += "\\b"
        case "\u{0C}": out += "\\f"
        case "\u{00}"..."\u{1F}":
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

extension CheckpointDType {
    /// The safetensors dtype string.
    var safetensorsName: String? {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int8: "I8"
        case .int16: "I16"
        case .int32: "I32"
        case .int64: "I64"
        case .uint8: "U8"
        case .uint16: "U16"
        case .uint32: "U32"
        case .uint64: "U64"
        case .bool: "BOOL"
        case .string: nil
        }
    }

    init?(safetensorsName: String) {
        guard let match = CheckpointDType.allCases.first(where: { $0.safetensorsName == safetensorsName }) else {
            return nil
        }
        self = match
    }

    /// Position in the reference implementation's `Dtype` enum, which orders
    /// tensors in the file (higher first).
    var safetensorsRank: Int {
        switch self {
        case .bool: 0
        case .uint8: 1
        case .int8: 2
        case .int16: 3
        case .uint16: 4
        case .float16: 5
        case .bfloat16: 6
        case .int32: 7
        case .uint32: 8
        case .float32: 9
        case .float64: 10
        case .int64: 11
        case .uint64: 12
        case .string: -1
        }
    }
}
