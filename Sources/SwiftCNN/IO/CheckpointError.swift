/// An error reading or writing a checkpoint, safetensors or weights file.
///
/// Every error names the file it concerns and, where one is involved, the
/// variable (tensor key), so that a corrupt or mismatched checkpoint can be
/// diagnosed without a debugger.
public struct CheckpointError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Path of the file being read or written.
    public var file: String
    /// Key of the tensor involved, if any.
    public var variable: String?
    /// What went wrong.
    public var message: String

    /// An error about `file` (and the tensor `variable`, if one is involved).
    public init(file: String, variable: String? = nil, message: String) {
        self.file = file
        self.variable = variable
        self.message = message
    }

    public var description: String {
        if let variable {
            return "\(file): variable '\(variable)': \(message)"
        }
        return "\(file): \(message)"
    }
}

/// A malformed-bytes failure found by a low-level decoder that does not know
/// which file it is reading; callers wrap it into a ``CheckpointError``.
struct FormatError: Error, Equatable {
    var message: String
    init(_ message: String) { self.message = message }
}
