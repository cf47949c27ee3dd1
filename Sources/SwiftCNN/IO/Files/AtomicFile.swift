import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// The one way SwiftCNN writes a file: to a temporary file in the same directory (so the
// rename stays within one file system and is atomic), fsync'd, renamed over the
// destination, and the directory fsync'd so the rename itself is durable. A kill at any
// point leaves the old file or the complete new one, never a torn file, and a full disk
// leaves the old file and no temporary behind. Files that are only valid together (a
// bundle's data and index) go through ``FileSet`` instead, which builds on these steps.

enum AtomicFile {
    /// Writes one file atomically and durably.
    static func write(_ bytes: [UInt8], to path: String) throws {
        try createParentDirectory(of: path)
        removeStaleTemporaries(of: path)
        let temp = temporaryPath(for: path)
        do {
            try writeAndSync(bytes, to: temp, reportingAs: path)
            try rename(temp, over: path)
        } catch {
            unlink(temp)
            throw error
        }
        syncDirectory(parentDirectory(of: path))
    }

    // MARK: Steps, shared with FileSet

    /// Creates `temp` exclusively, writes all of `bytes` and fsyncs it.
    static func writeAndSync(_ bytes: [UInt8], to temp: String, reportingAs path: String) throws {
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CheckpointError(file: path, message: "cannot create temporary file \(temp): \(errnoMessage())")
        }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = systemWrite(fd, raw.baseAddress.map { $0 + written }, raw.count - written)
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

    /// Renames `temp` over `path` (atomic within one file system).
    static func rename(_ temp: String, over path: String) throws {
        guard Foundation.rename(temp, path) == 0 else {
            throw CheckpointError(file: path, message: "cannot rename temporary file into place: \(errnoMessage())")
        }
    }

    /// Puts a second name on `path`'s contents at `copy` without touching `path`: a hard
    /// link renamed over `copy`, or, where the file system has no hard links, a synced copy.
    static func duplicate(_ path: String, as copy: String) throws {
        removeStaleTemporaries(of: copy)
        // rename(2) between two links of one file does nothing and leaves the temporary,
        // so a copy that is already that file (from a save cut short) stays as it is.
        var original = stat()
        var existing = stat()
        if stat(path, &original) == 0, stat(copy, &existing) == 0, original.st_dev == existing.st_dev,
            original.st_ino == existing.st_ino
        {
            return
        }
        let temp = temporaryPath(for: copy)
        if link(path, temp) != 0 {
            guard errno == EPERM || errno == EXDEV || errno == EMLINK || errno == ENOTSUP else {
                throw CheckpointError(file: copy, message: "cannot link \(path) to \(temp): \(errnoMessage())")
            }
            let bytes = try readWholeFile(path)
            do { try writeAndSync(bytes, to: temp, reportingAs: copy) } catch {
                unlink(temp)
                throw error
            }
        }
        do { try rename(temp, over: copy) } catch {
            unlink(temp)
            throw error
        }
    }

    /// A fresh temporary name beside `path`: `.<name>.tmp-<pid>-<random>`.
    static func temporaryPath(for path: String) -> String {
        let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return (parentDirectory(of: path) as NSString).appendingPathComponent(
            "\(temporaryStem(for: path))\(getpid())-\(suffix)")
    }

    /// What every temporary of `path` starts with.
    static func temporaryStem(for path: String) -> String {
        ".\((path as NSString).lastPathComponent).tmp-"
    }

    /// Deletes the temporaries of `path` that a killed writer left: those whose process no
    /// longer runs. One process writes a given path from one place at a time, so its own
    /// leftovers (a write that was cut short by a test) go too.
    static func removeStaleTemporaries(of path: String) {
        let directory = parentDirectory(of: path)
        let stem = temporaryStem(for: path)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        for name in names where name.hasPrefix(stem) {
            let rest = name.dropFirst(stem.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]) else { continue }
            let alive = pid != getpid() && (kill(pid, 0) == 0 || errno == EPERM)
            if !alive { unlink((directory as NSString).appendingPathComponent(name)) }
        }
    }

    static func parentDirectory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    static func createParentDirectory(of path: String) throws {
        let directory = parentDirectory(of: path)
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(
                file: path, message: "cannot create directory \(directory): \(error.localizedDescription)")
        }
    }

    /// Best effort: some file systems do not support syncing a directory.
    static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        _ = close(fd)
    }

    static func errnoMessage() -> String {
        String(cString: strerror(errno))
    }
}

/// `write(2)`, named apart from the `write` methods above.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Darwin)
        return Darwin.write(fd, buffer, count)
    #elseif canImport(Glibc)
        return Glibc.write(fd, buffer, count)
    #else
        return Musl.write(fd, buffer, count)
    #endif
}
