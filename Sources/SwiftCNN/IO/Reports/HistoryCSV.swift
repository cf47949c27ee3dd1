import Foundation

/// `history.csv`: one row per epoch, the columns Keras's `History` records.
///
/// ```text
/// epoch,loss,sparse_categorical_accuracy,val_loss,val_sparse_categorical_accuracy
/// 1,1.523,0.4512,1.301,0.5321
/// ```
public enum HistoryCSV {
    /// The metric columns, in file order, after `epoch`.
    public static let columns = [
        "loss", "sparse_categorical_accuracy", "val_loss", "val_sparse_categorical_accuracy",
    ]

    /// The file's text for `history` (keys as in ``columns``, one value per epoch; extra keys
    /// become extra columns, missing values are left empty).
    public static func encode(_ history: [String: [Double]]) -> String {
        let extra = history.keys.filter { !columns.contains($0) }.sorted()
        let keys = columns + extra
        let epochs = history.values.map(\.count).max() ?? 0
        var text = (["epoch"] + keys).joined(separator: ",") + "\n"
        for epoch in 0..<epochs {
            let cells = keys.map { key -> String in
                guard let values = history[key], epoch < values.count else { return "" }
                return "\(values[epoch])"
            }
            text += (["\(epoch + 1)"] + cells).joined(separator: ",") + "\n"
        }
        return text
    }

    /// Writes `history` to `path`, atomically.
    public static func write(_ history: [String: [Double]], to path: String) throws {
        try AtomicFile.write(Array(encode(history).utf8), to: path)
    }

    /// Reads a history file back (for resuming a run), keyed by column name.
    public static func read(_ path: String) throws -> [String: [Double]] {
        let bytes = try BinaryFile.read(path, maxBytes: 64 << 20)
        return try decode(String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses the text of a history file; `path` names it in errors.
    public static func decode(_ text: String, path: String = "history.csv") throws -> [String:
        [Double]]
    {
        let lines = text.split(whereSeparator: \.isNewline).filter { !$0.allSatisfy(\.isWhitespace) }
        guard let headerLine = lines.first else { throw SwiftCNNError("\(path): empty file") }
        let header = headerLine.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard header.first == "epoch" else {
            throw SwiftCNNError("\(path): line 1 should start with 'epoch', found '\(headerLine)'")
        }
        var history: [String: [Double]] = [:]
        for (row, line) in lines.dropFirst().enumerated() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count == header.count else {
                throw SwiftCNNError(
                    "\(path): line \(row + 2) has \(cells.count) fields, the header has \(header.count)")
            }
            guard Int(cells[0]) == row + 1 else {
                throw SwiftCNNError(
                    "\(path): line \(row + 2) should be epoch \(row + 1), found '\(cells[0])'")
            }
            for (key, cell) in zip(header.dropFirst(), cells.dropFirst()) where !cell.isEmpty {
                guard let value = Double(cell) else {
                    throw SwiftCNNError("\(path): line \(row + 2), column \(key): '\(cell)' is not a number")
                }
                history[key, default: []].append(value)
            }
        }
        return history
    }
}
