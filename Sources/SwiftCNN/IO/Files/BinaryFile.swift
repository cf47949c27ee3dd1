import Foundation

/// The one reader of whole files: every size is checked against a bound before anything is
/// allocated, so a huge or hostile file gives an error naming it instead of exhausting
/// memory. Datasets, images, arrays and checkpoints all read through it.
enum BinaryFile {
    /// The size of the regular file at `path`, or an error naming it.
    static func size(_ path: String) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw SwiftCNNError("\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw SwiftCNNError("\(path): not a regular file")
        }
        return Int(info.st_size)
    }

    /// Reads `count` bytes starting at `offset` (the whole file by default), refusing files
    /// larger than `maxBytes`.
    static func read(_ path: String, offset: Int = 0, count: Int? = nil, maxBytes: Int) throws
        -> [UInt8]
    {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw SwiftCNNError("\(path): cannot open (\(String(cString: strerror(errno))))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw SwiftCNNError("\(path): not a regular file")
        }
        let fileSize = Int(info.st_size)
        guard fileSize <= maxBytes else {
            throw SwiftCNNError("\(path): file is \(fileSize) bytes, more than the \(maxBytes) allowed")
        }
        let wanted = count ?? (fileSize - offset)
        guard offset >= 0, wanted >= 0, offset <= fileSize, wanted <= fileSize - offset else {
            throw SwiftCNNError(
                "\(path): wanted \(wanted) bytes at offset \(offset) but the file is only \(fileSize) bytes"
            )
        }
        var bytes = [UInt8](repeating: 0, count: wanted)
        var done = 0
        try bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while done < wanted {
                let n = pread(fd, base + done, wanted - done, off_t(offset + done))
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let why = n < 0 ? String(cString: strerror(errno)) : "unexpected end of file"
                    throw SwiftCNNError("\(path): read failed at byte \(offset + done) (\(why))")
                }
                done += n
            }
        }
        return bytes
    }
}
