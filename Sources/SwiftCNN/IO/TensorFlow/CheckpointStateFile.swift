import Foundation

// The `checkpoint` text file next to a checkpoint: a CheckpointState proto in
// protobuf text format, as tf.train.CheckpointManager and Keras's
// save_weights / ModelCheckpoint write it through
// checkpoint_management.update_checkpoint_state_internal. With TF 2.21 /
// tf-keras 2.21, `model.save_weights("checkpoint/Baseline.ckpt")` writes
//
//   model_checkpoint_path: "Baseline.ckpt"
//   all_model_checkpoint_paths: "Baseline.ckpt"
//
// (paths relative to the directory, no timestamps); CheckpointManager adds
// `all_model_checkpoint_timestamps` (one per path) and
// `last_preserved_timestamp`, seconds since 1970 as Python's repr of a double.

/// The contents of a TensorFlow `checkpoint` state file.
public struct CheckpointState: Sendable, Equatable {
    /// The latest checkpoint prefix, usually relative to the file's directory.
    public var modelCheckpointPath: String
    /// All retained checkpoint prefixes, oldest first (the latest is last).
    public var allModelCheckpointPaths: [String]
    /// Unix timestamps of `allModelCheckpointPaths` (CheckpointManager only).
    public var allModelCheckpointTimestamps: [Double]
    /// CheckpointManager's `last_preserved_timestamp`, if written.
    public var lastPreservedTimestamp: Double?

    /// A state naming `modelCheckpointPath` as the latest checkpoint (and, by default, the
    /// only one kept).
    public init(
        modelCheckpointPath: String, allModelCheckpointPaths: [String]? = nil,
        allModelCheckpointTimestamps: [Double] = [], lastPreservedTimestamp: Double? = nil
    ) {
        self.modelCheckpointPath = modelCheckpointPath
        self.allModelCheckpointPaths = allModelCheckpointPaths ?? [modelCheckpointPath]
        self.allModelCheckpointTimestamps = allModelCheckpointTimestamps
        self.lastPreservedTimestamp = lastPreservedTimestamp
    }

    /// The file name TensorFlow uses.
    public static let fileName = "checkpoint"

    /// The text TensorFlow's `text_format.MessageToString` produces.
    public var text: String {
        var out = "model_checkpoint_path: \(quoted(modelCheckpointPath))\n"
        for path in allModelCheckpointPaths { out += "all_model_checkpoint_paths: \(quoted(path))\n" }
        for t in allModelCheckpointTimestamps { out += "all_model_checkpoint_timestamps: \(pythonRepr(t))\n" }
        // A proto3 double equal to 0 is not printed.
        if let t = lastPreservedTimestamp, t != 0 { out += "last_preserved_timestamp: \(pythonRepr(t))\n" }
        return out
    }

    /// Writes `<directory>/checkpoint` atomically.
    public func write(directory: String) throws {
        try AtomicFile.write(Array(text.utf8), to: (directory as NSString).appendingPathComponent(Self.fileName))
    }

    /// Reads `<directory>/checkpoint`.
    public static func read(directory: String) throws -> CheckpointState {
        let path = (directory as NSString).appendingPathComponent(fileName)
        return try parse(readWholeFile(path, maxBytes: maxMetadataFileBytes), file: path)
    }

    /// The latest checkpoint prefix as a path usable for reading: relative
    /// paths are taken relative to `directory`, as tf.train.latest_checkpoint does.
    public func latestPrefix(directory: String) -> String {
        modelCheckpointPath.hasPrefix("/")
            ? modelCheckpointPath : (directory as NSString).appendingPathComponent(modelCheckpointPath)
    }

    /// Parses the text format (fields in any order, `#` comments allowed).
    public static func parse(_ bytes: [UInt8], file: String = CheckpointState.fileName) throws -> CheckpointState {
        func fail(_ line: Int, _ message: String) -> CheckpointError {
            CheckpointError(file: file, message: "line \(line): \(message)")
        }
        func unquoteLine(_ literal: String, _ line: Int) throws -> String {
            do { return try unquote(literal) } catch { throw fail(line, error.message) }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw CheckpointError(file: file, message: "not valid UTF-8 text")
        }
        var model: String?
        var state = CheckpointState(modelCheckpointPath: "", allModelCheckpointPaths: [])
        // Any line end: "\r\n" is one Character in Swift, so splitting on "\n" alone would
        // leave a CRLF file as a single line (protobuf's text format treats "\r" as space).
        for (n, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { throw fail(n + 1, "expected 'field: value'") }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "model_checkpoint_path":
                guard model == nil else { throw fail(n + 1, "model_checkpoint_path given twice") }
                model = try unquoteLine(value, n + 1)
            case "all_model_checkpoint_paths":
                state.allModelCheckpointPaths.append(try unquoteLine(value, n + 1))
            case "all_model_checkpoint_timestamps", "last_preserved_timestamp":
                guard let t = Double(value) else { throw fail(n + 1, "'\(value)' is not a number") }
                if field == "last_preserved_timestamp" {
                    state.lastPreservedTimestamp = t
                } else {
                    state.allModelCheckpointTimestamps.append(t)
                }
            default:
                throw fail(n + 1, "unknown field '\(field)'")
            }
        }
        guard let model else { throw CheckpointError(file: file, message: "no model_checkpoint_path") }
        state.modelCheckpointPath = model
        return state
    }
}

/// A double as Python's `repr` prints it (shortest round-trip digits,
/// exponent form below 1e-4 and from 1e16).
func pythonRepr(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let digits = DecimalDigits(shortest: value)
    return digits.pythonRepr()
}

/// A text-format string literal, escaped like protobuf's Python CEscape
/// (as_utf8=False): \n \r \t \" \' \\, other bytes outside 0x20...0x7e as
/// three-digit octal.
private func quoted(_ s: String) -> String {
    var out = "\""
    for byte in s.utf8 {
        switch byte {
        case 0x0a: out += "\\n"
        case 0x0d: out += "\\r"
        case 0x09: out += "\\t"
        case 0x22: out += "\\\""
        case 0x27: out += "\\'"
        case 0x5c: out += "\\\\"
        case 0x20...0x7e: out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let octal = String(byte, radix: 8)
            out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
        }
    }
    return out + "\""
}

/// Inverse of `quoted`, also accepting single quotes and \xHH escapes.
private func unquote(_ literal: String) throws(FormatError) -> String {
    let bytes = Array(literal.utf8)
    guard bytes.count >= 2, let quote = bytes.first, quote == 0x22 || quote == 0x27, bytes.last == quote else {
        throw FormatError("expected a quoted string, got \(literal)")
    }
    var out: [UInt8] = []
    var i = 1
    let end = bytes.count - 1
    while i < end {
        let c = bytes[i]
        if c == quote { throw FormatError("unescaped quote inside string") }
        guard c == 0x5c else {
            out.append(c)
            i += 1
            continue
        }
        guard i + 1 < end else { throw FormatError("dangling backslash") }
        let e = bytes[i + 1]
        i += 2
        switch e {
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\"): out.append(e)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var value = Int(e - UInt8(ascii: "0"))
            var digits = 1
            while digits < 3, i < end, (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(bytes[i]) {
                value = value * 8 + Int(bytes[i] - UInt8(ascii: "0"))
                i += 1
                digits += 1
            }
            guard value <= 255 else { throw FormatError("octal escape out of range") }
            out.append(UInt8(value))
        case UInt8(ascii: "x"):
            var value = 0
            var digits = 0
            while digits < 2, i < end, let d = Int(String(UnicodeScalar(bytes[i])), radix: 16) {
                value = value * 16 + d
                i += 1
                digits += 1
            }
            guard digits > 0 else { throw FormatError("empty \\x escape") }
            out.append(UInt8(value))
        default:
            throw FormatError("unknown escape \\\(UnicodeScalar(e))")
        }
    }
    guard let s = String(validating: out, as: UTF8.self) else { throw FormatError("path is not valid UTF-8") }
    return s
}
