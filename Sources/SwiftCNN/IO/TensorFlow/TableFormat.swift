// The fixed parts of the LevelDB table format as TensorFlow writes it
// (tensorflow/core/lib/io/format.h, format.cc):
//
//   [data block 0] ... [data block N-1] [metaindex block] [index block] [footer]
//
// Every block is followed by a 5-byte trailer: a compression-type byte and
// the masked CRC32C of the block contents plus that type byte. The 48-byte
// footer holds the metaindex and index block handles (varint64 offset and
// size each), zero-padded to 40 bytes, then TensorFlow's table magic number
// as two little-endian 32-bit halves.

enum TableFormat {
    /// `kTableMagicNumber` in format.h.
    static let magic: UInt64 = 0xdb47_7524_8b80_fb57
    /// Type byte plus 32-bit CRC.
    static let blockTrailerSize = 5
    /// `BlockHandle::kMaxEncodedLength`: two varint64s of at most 10 bytes.
    static let maxEncodedHandleLength = 20
    /// `Footer::kEncodedLength`.
    static let footerSize = 2 * maxEncodedHandleLength + 8
    /// `kNoCompression`: the only block type TensorFlow uses for bundles.
    static let noCompression: UInt8 = 0
    /// `kSnappyCompression`: valid in the format, not supported here.
    static let snappyCompression: UInt8 = 1
    /// `table::Options::block_size`, the data-block flush threshold.
    static let blockSize = 262_144
    /// `table::Options::block_restart_interval` for data blocks (the index
    /// block uses 1).
    static let restartInterval = 16
}

/// Position and size of a block within the table file.
struct BlockHandle: Equatable {
    var offset: UInt64
    var size: UInt64

    func encode(into out: inout [UInt8]) {
        out.appendVarint(offset)
        out.appendVarint(size)
    }

    static func decode(_ reader: inout ByteReader) throws(FormatError) -> BlockHandle {
        let offset = try reader.readVarint()
        let size = try reader.readVarint()
        return BlockHandle(offset: offset, size: size)
    }
}

/// The last 48 bytes of a table file.
struct TableFooter: Equatable {
    var metaindex: BlockHandle
    var index: BlockHandle

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        metaindex.encode(into: &out)
        index.encode(into: &out)
        out += [UInt8](repeating: 0, count: 2 * TableFormat.maxEncodedHandleLength - out.count)
        out.appendFixed32(UInt32(truncatingIfNeeded: TableFormat.magic))
        out.appendFixed32(UInt32(truncatingIfNeeded: TableFormat.magic >> 32))
        return out
    }

    /// Decodes a footer; the magic number is checked first, as in
    /// `Footer::DecodeFrom`, so a file that is not a table says so.
    static func decode(_ bytes: ArraySlice<UInt8>) throws(FormatError) -> TableFooter {
        guard bytes.count == TableFormat.footerSize else {
            throw FormatError("footer must be \(TableFormat.footerSize) bytes, got \(bytes.count)")
        }
        var magicReader = ByteReader(bytes.suffix(8))
        let magic = try magicReader.readFixed64()
        guard magic == TableFormat.magic else {
            throw FormatError(
                "bad table magic number 0x\(String(magic, radix: 16)) (expected 0x\(String(TableFormat.magic, radix: 16))): not a TensorFlow checkpoint index, or truncated"
            )
        }
        var reader = ByteReader(bytes.prefix(2 * TableFormat.maxEncodedHandleLength))
        let metaindex = try BlockHandle.decode(&reader)
        let index = try BlockHandle.decode(&reader)
        let footer = TableFooter(metaindex: metaindex, index: index)
        // TensorFlow writes minimal varints and zero padding. LevelDB ignores
        // the padding, but insisting on the canonical bytes means no byte of
        // the footer can change unnoticed (e.g. a continuation bit that
        // swallows a zero padding byte without changing the value).
        guard footer.encoded()[...] == bytes else {
            throw FormatError("footer is not in canonical form (non-minimal varint or non-zero padding)")
        }
        return footer
    }
}
