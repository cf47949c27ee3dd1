import CZip
import Foundation

// Zip archives in memory through Debian's libzip, for `.keras` files: reading takes the
// archive's bytes (libzip checks the central directory against the local headers with
// ZIP_CHECKCONS, and each entry's CRC as it is read), and each entry is read only up to
// a size limit given before any byte is allocated. Writing builds the archive in memory
// so that the file reaches the disk through the atomic writer.

enum ZipArchive {
    /// The entries named `names` of the archive `bytes` (`file` names it in errors). An
    /// entry the archive lacks is absent from the result; one larger than `limit` bytes
    /// is an error.
    static func read(_ bytes: [UInt8], entries names: [String], limit: Int, file: String) throws -> [String: [UInt8]] {
        // libzip takes no bytes for an empty archive; a .keras file is never one.
        guard !bytes.isEmpty else { throw CheckpointError(file: file, message: "is empty (not a zip archive)") }
        var error = zip_error_t()
        zip_error_init(&error)
        // libzip reads the buffer in place: it must outlive the archive, which it does.
        return try bytes.withUnsafeBytes { raw -> [String: [UInt8]] in
            guard let source = zip_source_buffer_create(raw.baseAddress, zip_uint64_t(raw.count), 0, &error) else {
                throw CheckpointError(file: file, message: "cannot read the zip archive (\(message(&error)))")
            }
            guard let archive = zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error) else {
                zip_source_free(source)
                throw CheckpointError(file: file, message: "not a readable zip archive (\(message(&error)); truncated or corrupt?)")
            }
            defer { zip_discard(archive) }
            var result: [String: [UInt8]] = [:]
            for name in names {
                let index = zip_name_locate(archive, name, 0)
                guard index >= 0 else { continue }
                result[name] = try entry(archive, index: zip_uint64_t(index), name: name, limit: limit, file: file)
            }
            return result
        }
    }

    private static func entry(
        _ archive: OpaquePointer, index: zip_uint64_t, name: String, limit: Int, file: String
    ) throws -> [UInt8] {
        var stat = zip_stat_t()
        guard zip_stat_index(archive, index, 0, &stat) == 0, stat.valid & zip_uint64_t(ZIP_STAT_SIZE) != 0 else {
            throw CheckpointError(file: file, variable: name, message: "unreadable zip entry (\(String(cString: zip_strerror(archive))))")
        }
        guard stat.size <= UInt64(limit) else {
            throw CheckpointError(file: file, variable: name, message: "is \(stat.size) bytes, more than the \(limit) allowed")
        }
        guard let handle = zip_fopen_index(archive, index, 0) else {
            throw CheckpointError(file: file, variable: name, message: "cannot open the zip entry (\(String(cString: zip_strerror(archive))))")
        }
        defer { zip_fclose(handle) }
        let size = Int(stat.size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { zip_fread(handle, $0.baseAddress! + done, zip_uint64_t(size - done)) }
            guard n > 0 else {
                let reason = n < 0 ? String(cString: zip_file_strerror(handle)) : "the entry ends early"
                throw CheckpointError(file: file, variable: name, message: "cannot read the zip entry (\(reason); truncated or corrupt?)")
            }
            done += Int(n)
        }
        // Reading past the end makes libzip check the CRC of what it inflated.
        var probe: UInt8 = 0
        guard zip_fread(handle, &probe, 1) == 0 else {
            throw CheckpointError(
                file: file, variable: name, message: "the zip entry does not match its size or CRC (\(String(cString: zip_file_strerror(handle))))")
        }
        return bytes
    }

    /// An archive holding `entries` in order (deflated, as Python's zipfile writes them
    /// with ZIP_DEFLATED; Keras stores them, and reads both).
    static func encode(_ entries: [(name: String, bytes: [UInt8])], file: String) throws -> [UInt8] {
        var error = zip_error_t()
        zip_error_init(&error)
        guard let buffer = zip_source_buffer_create(nil, 0, 0, &error) else {
            throw CheckpointError(file: file, message: "cannot make a zip archive (\(message(&error)))")
        }
        defer { zip_source_free(buffer) }
        zip_source_keep(buffer)
        guard let archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error) else {
            throw CheckpointError(file: file, message: "cannot make a zip archive (\(message(&error)))")
        }
        for (name, bytes) in entries {
            // libzip reads the data when the archive is closed, and frees it then.
            let copy = malloc(max(bytes.count, 1))!
            bytes.withUnsafeBytes { if let base = $0.baseAddress { copy.copyMemory(from: base, byteCount: $0.count) } }
            guard let source = zip_source_buffer(archive, copy, zip_uint64_t(bytes.count), 1) else {
                free(copy)
                zip_discard(archive)
                throw CheckpointError(file: file, variable: name, message: "cannot add to the zip archive")
            }
            guard zip_file_add(archive, name, source, zip_flags_t(ZIP_FL_ENC_UTF_8)) >= 0 else {
                zip_source_free(source)
                let reason = String(cString: zip_strerror(archive))
                zip_discard(archive)
                throw CheckpointError(file: file, variable: name, message: "cannot add to the zip archive (\(reason))")
            }
        }
        guard zip_close(archive) == 0 else {
            let reason = String(cString: zip_strerror(archive))
            zip_discard(archive)
            throw CheckpointError(file: file, message: "cannot write the zip archive (\(reason))")
        }
        var stat = zip_stat_t()
        guard zip_source_open(buffer) == 0 else { throw CheckpointError(file: file, message: "cannot read back the zip archive") }
        defer { zip_source_close(buffer) }
        guard zip_source_stat(buffer, &stat) == 0, stat.valid & zip_uint64_t(ZIP_STAT_SIZE) != 0 else {
            throw CheckpointError(file: file, message: "cannot read back the zip archive")
        }
        var bytes = [UInt8](repeating: 0, count: Int(stat.size))
        let read = bytes.withUnsafeMutableBytes { zip_source_read(buffer, $0.baseAddress!, stat.size) }
        guard read == Int64(stat.size) else { throw CheckpointError(file: file, message: "cannot read back the zip archive") }
        return bytes
    }

    private static func message(_ error: inout zip_error_t) -> String {
        defer { zip_error_fini(&error) }
        return String(cString: zip_error_strerror(&error))
    }
}
