// TFRecord framing (tensorflow/core/lib/io/record_writer.cc), the container of
// TensorBoard's event files: each record is
//   uint64 length (little-endian) · uint32 masked CRC32C of those 8 bytes ·
//   data · uint32 masked CRC32C of the data.
// The length has its own checksum so that a reader never trusts a torn length and
// reads past the end of a record that was cut short.

/// Frames and unframes TFRecord records.
enum TFRecord {
    /// Bytes of framing around each record's data.
    static let overhead = 16

    /// `data` framed as one record.
    static func frame(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(data.count + overhead)
        out.appendFixed64(UInt64(data.count))
        out.appendFixed32(CRC32C.mask(CRC32C.checksum(out)))
        out += data
        out.appendFixed32(CRC32C.mask(CRC32C.checksum(data)))
        return out
    }

    /// The complete records of `bytes`, and whether it ends in an incomplete one (a
    /// file cut short by a kill while a record was being appended: its complete records
    /// stay readable, as TensorFlow's reader treats them). A checksum that does not
    /// match is corruption, not a cut, and throws naming `path` and the offset.
    static func records(_ bytes: [UInt8], path: String) throws -> (records: [ArraySlice<UInt8>], truncated: Bool) {
        var records: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 12 else { return (records, true) }
            let lengthBytes = bytes[offset..<offset + 8]
            let storedLengthCRC = readFixed32(bytes[...], at: offset + 8)
            guard CRC32C.mask(CRC32C.checksum(lengthBytes)) == storedLengthCRC else {
                throw CheckpointError(
                    file: path, message: "record at byte \(offset): length checksum mismatch (corrupt event file)")
            }
            let length =
                UInt64(readFixed32(bytes[...], at: offset)) | UInt64(readFixed32(bytes[...], at: offset + 4)) << 32
            let available = UInt64(bytes.count - offset - 12)
            // A length the file cannot hold together with its data checksum is a cut.
            guard length <= available, available - length >= 4 else { return (records, true) }
            let start = offset + 12
            let end = start + Int(length)
            let data = bytes[start..<end]
            guard CRC32C.mask(CRC32C.checksum(data)) == readFixed32(bytes[...], at: end) else {
                throw CheckpointError(
                    file: path, message: "record at byte \(offset): data checksum mismatch (corrupt event file)")
            }
            records.append(data)
            offset = end + 4
        }
        return (records, false)
    }
}
