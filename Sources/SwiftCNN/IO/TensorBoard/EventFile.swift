import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// A TensorBoard event file (events.out.tfevents.<time>.<host>.<pid>.<n>.v2) is a TFRecord
// file of serialized `Event`s, the first one naming the file version. Training appends to
// it for hours, so it cannot go through the atomic writer that replaces whole files:
// instead every record is appended with one write(2), a failed write is cut back off, and
// `sync()` (at each epoch's end) makes what was appended durable. A kill at any moment
// therefore leaves complete records followed by at most one incomplete record, which
// readers (TensorBoard's and ``EventFile/decode(_:path:)``) skip.

/// Appends events to a new event file in a folder.
final class EventFileWriter {
    /// The file being written.
    let path: String
    private var descriptor: Int32
    /// Bytes known to be complete records: where a failed append is cut back to.
    private var size: off_t = 0

    /// Creates the folder if needed and a new event file in it, starting with the
    /// file-version record TensorFlow writes.
    init(directory: String, wallTime: Double = Date().timeIntervalSince1970) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError(
                file: directory, message: "cannot create the TensorBoard log folder (\(error.localizedDescription))")
        }
        let host = Self.hostName()
        var counter = 0
        while true {
            let name = "events.out.tfevents.\(Int(wallTime)).\(host).\(getpid()).\(counter).v2"
            let candidate = (directory as NSString).appendingPathComponent(name)
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 {
                (path, descriptor) = (candidate, fd)
                break
            }
            guard errno == EEXIST, counter < 1000 else {
                throw CheckpointError(
                    file: candidate, message: "cannot create event file: \(String(cString: strerror(errno)))")
            }
            counter += 1
        }
        var first = Tensorflow_Event()
        first.wallTime = wallTime.rounded(.down)
        first.fileVersion = "brain.Event:2"
        first.sourceMetadata.writer = "tensorflow.core.util.events_writer"
        try append(first)
        try sync()
        let folder = open(directory, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            closeDescriptor(folder)
        }
    }

    deinit { close() }

    /// The short host name, as TensorFlow puts it in event file names (gethostname(2), not
    /// Foundation's, which may wait on a DNS lookup).
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.split(separator: ".").first.map(String.init) ?? "localhost"
    }

    /// Appends one event as one record. On failure (a full disk) the partial record is
    /// cut off again, so later records stay readable.
    func append(_ event: Tensorflow_Event) throws {
        guard descriptor >= 0 else { throw CheckpointError(file: path, message: "event file is closed") }
        let record: [UInt8]
        do {
            record = TFRecord.frame(Array(try event.serializedData()))
        } catch {
            throw CheckpointError(file: path, message: "cannot encode event: \(error)")
        }
        var failure: String?
        record.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let n = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = "write failed: \(String(cString: strerror(errno)))"
                    return
                }
                written += n
            }
        }
        if let failure {
            ftruncate(descriptor, size)
            throw CheckpointError(file: path, message: failure)
        }
        size += off_t(record.count)
    }

    /// Makes every appended record durable.
    func sync() throws {
        guard descriptor >= 0 else { return }
        guard fsync(descriptor) == 0 else {
            throw CheckpointError(file: path, message: "fsync failed: \(String(cString: strerror(errno)))")
        }
    }

    /// Syncs and closes the file; later appends throw.
    func close() {
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        closeDescriptor(descriptor)
        descriptor = -1
    }
}

/// close(2), out of reach of ``EventFileWriter/close()`` inside the class.
private func closeDescriptor(_ fd: Int32) { _ = close(fd) }

/// Reads event files back.
enum EventFile {
    /// The events of the file at `path`, and whether it ended in an incomplete record.
    static func read(_ path: String) throws -> (events: [Tensorflow_Event], truncated: Bool) {
        try decode(readWholeFile(path), path: path)
    }

    /// The events in `bytes` (an event file's contents): complete records only; a record
    /// that fails its checksum or does not decode as an `Event` throws naming `path`.
    static func decode(_ bytes: [UInt8], path: String) throws -> (events: [Tensorflow_Event], truncated: Bool) {
        let (records, truncated) = try TFRecord.records(bytes, path: path)
        var events: [Tensorflow_Event] = []
        events.reserveCapacity(records.count)
        for (index, record) in records.enumerated() {
            do {
                events.append(try Tensorflow_Event(serializedBytes: Array(record)))
            } catch {
                throw CheckpointError(file: path, message: "record \(index) is not a TensorBoard event (\(error))")
            }
        }
        if let first = events.first, !first.fileVersion.hasPrefix("brain.Event:") {
            throw CheckpointError(
                file: path, message: "not a TensorBoard event file (no brain.Event file version first)")
        }
        return (events, truncated)
    }
}
