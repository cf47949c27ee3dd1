// Reads a whole LevelDB table from memory. Unlike TensorFlow's lazy
// `table::Table`, it decodes and checks everything up front: the footer
// magic, every block handle against the file size, every block's type byte
// and CRC (metaindex included), and that keys increase across blocks and stay
// within their index entry's bound. Damage anywhere is reported, never
// trapped on.

/// Decodes all entries of the table `file`, in key order.
func readTable(_ file: [UInt8]) throws(FormatError) -> [BlockEntry] {
    guard file.count >= TableFormat.footerSize else {
        throw FormatError("file of \(file.count) bytes is shorter than the \(TableFormat.footerSize)-byte table footer")
    }
    let footer = try TableFooter.decode(file[(file.count - TableFormat.footerSize)...])
    let blocksEnd = file.count - TableFormat.footerSize
    _ = try decodeBlock(try readBlock(file, footer.metaindex, limit: blocksEnd, what: "metaindex block"))
    let indexEntries = try decodeBlock(try readBlock(file, footer.index, limit: blocksEnd, what: "index block"))

    var entries: [BlockEntry] = []
    for (n, indexEntry) in indexEntries.enumerated() {
        var handleReader = ByteReader(indexEntry.value)
        let handle = try BlockHandle.decode(&handleReader)
        let block = try decodeBlock(try readBlock(file, handle, limit: blocksEnd, what: "data block \(n)"))
        guard !block.isEmpty else { throw FormatError("data block \(n) is empty") }
        for entry in block {
            if let last = entries.last, !bytewiseLess(last.key, entry.key) {
                throw FormatError("keys out of order across data blocks at block \(n)")
            }
            guard !bytewiseLess(indexEntry.key, entry.key) else {
                throw FormatError("data block \(n) holds a key beyond its index entry")
            }
            entries.append(entry)
        }
    }
    return entries
}

/// The contents of the block at `handle`, after checking its trailer.
private func readBlock(
    _ file: [UInt8], _ handle: BlockHandle, limit: Int, what: String
) throws(FormatError) -> ArraySlice<UInt8> {
    guard let offset = Int(exactly: handle.offset), let size = Int(exactly: handle.size),
        offset <= limit, size <= limit - offset,
        TableFormat.blockTrailerSize <= limit - offset - size
    else {
        throw FormatError(
            "\(what) (offset \(handle.offset), size \(handle.size)) extends past the end of the table data (\(limit) bytes)"
        )
    }
    let contents = file[offset..<(offset + size)]
    let type = file[offset + size]
    let stored = CRC32C.unmask(readFixed32(file[...], at: offset + size + 1))
    let actual = CRC32C.extend(CRC32C.checksum(contents), [type])
    guard stored == actual else {
        throw FormatError(
            "\(what) at offset \(offset) fails its CRC32C check (stored 0x\(String(stored, radix: 16)), computed 0x\(String(actual, radix: 16)))"
        )
    }
    switch type {
    case TableFormat.noCompression:
        return contents
    case TableFormat.snappyCompression:
        throw FormatError(
            "\(what) is Snappy-compressed; only uncompressed tables (as TensorFlow writes for checkpoints) are supported"
        )
    default:
        throw FormatError("\(what) has unknown compression type \(type)")
    }
}
