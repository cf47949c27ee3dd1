#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation

// Crash-safe file replacement: each file is written to a temporary file in
// the same directory (so the final rename stays within one file system and is
// atomic), fsync'd, and only then renamed over the destination; the directory
// is fsync'd afterwards so the rename itself is durable. A crash at any point
// leaves either the old file or the complete new one, never a torn file.

enum AtomicFile {
    /// Writes one file atomically.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try write([(path, bytes)])
    }

    /// Writes several files: all temporaries are written and synced first,
    /// then renamed in the order given. Put the file that "commits" the set
    /// (a bundle's index) last.
    static func write(_ files: [(path: String, bytes: [UInt8])]) throws {
        var temporaries: [(temp: String, path: String)] = []
        defer {
            for (temp, _) in temporaries { unlink(temp) }
        }
        for (path, bytes) in files {
            try createParentDirectory(of: path)
            let temp = temporaryPath(for: path)
            temporaries.append((temp, path))
            try writeAndSync(bytes, to: temp, reportingAs: path)
        }
        var directories: [String] = []
        while !temporaries.isEmpty {
            let (temp, path) = temporaries.removeFirst()
            guard rename(temp, path) == 0 else {
                let message = errnoMessage()
                unlink(temp)
                throw CheckpointError(file: path, message: "cannot rename temporary file into place: \(message)")
            }
            let directory = parentDirectory(of: path)
            if !directories.contains(directory) { directories.append(directory) }
        }
        for directory in directories { syncDirectory(directory) }
    }

    private static func writeAndSync(_ bytes: [UInt8], to temp: String, reportingAs path: String) throws {
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else {
            throw CheckpointError(file: path, message: "cannot create temporary file \(temp): \(errnoMessage())")
        }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = Glibc_write(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(errnoMessage())"
                    return
                }
                written += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = "fsync failed: \(errnoMessage())" }
        if close(fd) != 0 && failure == nil { failure = "close failed: \(errnoMessage())" }
        if let failure { throw CheckpointError(file: path, message: failure) }
    }

    private static func temporaryPath(for path: String) -> String {
        let directory = parentDirectory(of: path)
        let name = (path as NSString).lastPathComponent
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return (directory as NSString).appendingPathComponent(".\(name).tmp-\(getpid())-\(suffix)")
    }

    private static func parentDirectory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    private static func createParentDirectory(of path: String) throws {
        let directory = parentDirectory(of: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(file: path, message: "cannot create directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Best effort: some file systems do not support syncing a directory.
    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    private static func errnoMessage() -> String {
        String(cString: strerror(errno))
    }
}

/// `write(2)`, named apart from the `write` methods above.
private func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Darwin)
        return Darwin.write(fd, buffer, count)
    #elseif canImport(Glibc)
        return Glibc.write(fd, buffer, count)
    #else
        return Musl.write(fd, buffer, count)
    #endif
}
