/// The one error a folder dataset gives for its unreadable files: how many, then each as
/// `path: why`, in file order, up to a count.
enum BadImageFiles {
    /// `problems` maps an index of `paths` to its error message (which may already start
    /// with the path).
    static func error(_ problems: [Int: String], paths: [String], maxReported: Int) -> SwiftCNNError {
        let lines = problems.keys.sorted().prefix(max(1, maxReported)).map { index -> String in
            let text = problems[index]!
            return text.hasPrefix(paths[index]) ? text : "\(paths[index]): \(text)"
        }
        let more = problems.count > lines.count ? "\n… and \(problems.count - lines.count) more" : ""
        return SwiftCNNError("\(problems.count) of \(paths.count) image files cannot be read:\n" + lines.joined(separator: "\n") + more)
    }

    /// The message of `error`, without Swift's decoration for a ``SwiftCNNError``.
    static func message(_ error: any Error) -> String {
        (error as? SwiftCNNError)?.message ?? "\(error)"
    }
}
