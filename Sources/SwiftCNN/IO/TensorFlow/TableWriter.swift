// Writes a whole LevelDB table into memory, reproducing TensorFlow's
// `table::TableBuilder` (tensorflow/core/lib/io/table_builder.cc) with the
// options `BundleWriter` uses (kNoCompression, 256 KiB blocks, restart
// interval 16), so that the bytes match what TensorFlow writes.

struct TableWriter {
    private var dataBlock = BlockBuilder(restartInterval: TableFormat.restartInterval)
    private var indexBlock = BlockBuilder(restartInterval: 1)
    private var output: [UInt8] = []
    private var lastKey: [UInt8] = []
    private var numEntries = 0
    private var pendingHandle: BlockHandle?

    /// Adds an entry; keys must be strictly increasing in bytewise order.
    mutating func add(key: [UInt8], value: [UInt8]) {
        precondition(numEntries == 0 || bytewiseLess(lastKey, key), "table keys must be strictly increasing")
        if numEntries > 0 && key.count + value.count >= 2 * TableFormat.blockSize {
            flush()
        }
        if let handle = pendingHandle {
            // The index key only needs to separate this block from the next.
            var separator = lastKey
            shortenToSeparator(&separator, limit: key)
            indexBlock.add(key: separator, value: encoded(handle))
            pendingHandle = nil
        }
        lastKey = key
        numEntries += 1
        dataBlock.add(key: key, value: value)
        if dataBlock.currentSizeEstimate >= TableFormat.blockSize {
            flush()
        }
    }

    /// Writes the metaindex and index blocks and the footer; returns the file.
    mutating func finish() -> [UInt8] {
        flush()
        let metaindex = writeBlock(BlockBuilder(restartInterval: TableFormat.restartInterval).finish())
        if let handle = pendingHandle {
            var successor = lastKey
            shortenToSuccessor(&successor)
            indexBlock.add(key: successor, value: encoded(handle))
            pendingHandle = nil
        }
        let index = writeBlock(indexBlock.finish())
        output += TableFooter(metaindex: metaindex, index: index).encoded()
        return output
    }

    private mutating func flush() {
        guard !dataBlock.isEmpty else { return }
        pendingHandle = writeBlock(dataBlock.finish())
        dataBlock.reset()
    }

    private mutating func writeBlock(_ contents: [UInt8]) -> BlockHandle {
        let handle = BlockHandle(offset: UInt64(output.count), size: UInt64(contents.count))
        output += contents
        let type = TableFormat.noCompression
        let crc = CRC32C.extend(CRC32C.checksum(contents), [type])
        output.append(type)
        output.appendFixed32(CRC32C.mask(crc))
        return handle
    }

    private func encoded(_ handle: BlockHandle) -> [UInt8] {
        var out: [UInt8] = []
        handle.encode(into: &out)
        return out
    }
}

/// `FindShortestSeparator`: shortens `start` to a key in [start, limit).
func shortenToSeparator(_ start: inout [UInt8], limit: [UInt8]) {
    let minLength = min(start.count, limit.count)
    var diff = 0
    while diff < minLength && start[diff] == limit[diff] { diff += 1 }
    guard diff < minLength else { return }  // one is a prefix of the other
    let byte = start[diff]
    if byte < 0xff && byte + 1 < limit[diff] {
        start[diff] = byte + 1
        start.removeSubrange((diff + 1)...)
    }
}

/// `FindShortSuccessor`: shortens `key` to a short key >= it.
func shortenToSuccessor(_ key: inout [UInt8]) {
    for i in key.indices where key[i] != 0xff {
        key[i] += 1
        key.removeSubrange((i + 1)...)
        return
    }
}
