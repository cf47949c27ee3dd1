/// The one error type the core throws: a message that names what went wrong and where
/// (the layer, the op, the shapes), ready to print as a single line.
public struct SwiftCNNError: Error, CustomStringConvertible, Equatable {
    /// One line saying what is wrong, naming the file, option or layer involved.
    public let message: String
    /// An error with `message`.
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    static func shapeMismatch(_ op: String, _ detail: String) -> SwiftCNNError {
        SwiftCNNError("\(op): \(detail)")
    }
}

/// Formats a shape for messages as a list, batch axis included: `[32, 32, 32, 3]`.
func describe(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
}
