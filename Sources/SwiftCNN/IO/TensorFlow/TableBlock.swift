// One block of a LevelDB table (tensorflow/core/lib/io/block_builder.cc,
// block.cc). Keys are prefix-compressed against the previous key:
//
//   entry: varint32 shared | varint32 non_shared | varint32 value_length
//          | key bytes [non_shared] | value bytes [value_length]
//
// Every `restartInterval` entries the key is stored in full (shared == 0) and
// its offset is recorded; the block ends with the restart offsets (fixed32
// each) and their count (fixed32).

/// Builds one block exactly as TensorFlow's `BlockBuilder` does.
struct BlockBuilder {
    let restartInterval: Int
    private(set) var buffer: [UInt8] = []
    private var restarts: [UInt32] = [0]
    private var counter = 0
    private var lastKey: [UInt8] = []

    init(restartInterval: Int) {
        self.restartInterval = restartInterval
    }

    var isEmpty: Bool { buffer.isEmpty }

    /// `BlockBuilder::CurrentSizeEstimate`: the size `finish()` would return.
    var currentSizeEstimate: Int { buffer.count + restarts.count * 4 + 4 }

    /// Adds an entry; `key` must sort after every key added since `reset()`.
    mutating func add(key: [UInt8], value: [UInt8]) {
        var shared = 0
        if counter < restartInterval {
            let limit = min(lastKey.count, key.count)
            while shared < limit && lastKey[shared] == key[shared] { shared += 1 }
        } else {
            restarts.append(UInt32(buffer.count))
            counter = 0
        }
        buffer.appendVarint(UInt64(shared))
        buffer.appendVarint(UInt64(key.count - shared))
        buffer.appendVarint(UInt64(value.count))
        buffer += key[shared...]
        buffer += value
        lastKey = key
        counter += 1
    }

    /// The finished block contents (entries, restart array, restart count).
    func finish() -> [UInt8] {
        var out = buffer
        for r in restarts { out.appendFixed32(r) }
        out.appendFixed32(UInt32(restarts.count))
        return out
    }

    mutating func reset() {
        buffer = []
        restarts = [0]
        counter = 0
        lastKey = []
    }
}

/// A key/value pair decoded from a block.
struct BlockEntry: Equatable {
    var key: [UInt8]
    var value: ArraySlice<UInt8>
}

/// Decodes every entry of a block's contents, checking each length against
/// the block bounds and that the restart array points at full keys.
func decodeBlock(_ contents: ArraySlice<UInt8>) throws(FormatError) -> [BlockEntry] {
    guard contents.count >= 4 else {
        throw FormatError("block of \(contents.count) bytes is too short for its restart count")
    }
    let numRestarts = Int(readFixed32(contents, at: contents.endIndex - 4))
    let maxRestartsAllowed = (contents.count - 4) / 4
    guard numRestarts <= maxRestartsAllowed else {
        throw FormatError("block claims \(numRestarts) restart points but has room for \(maxRestartsAllowed)")
    }
    let restartStart = contents.endIndex - 4 * (numRestarts + 1)
    let entriesSize = restartStart - contents.startIndex
    var restartOffsets = Set<Int>()
    for i in 0..<numRestarts {
        let offset = Int(readFixed32(contents, at: restartStart + 4 * i))
        // An empty block (the metaindex) still records restart point 0.
        guard offset < entriesSize || (entriesSize == 0 && offset == 0) else {
            throw FormatError("restart point \(i) at \(offset) lies outside the block's entries")
        }
        restartOffsets.insert(offset)
    }

    var reader = ByteReader(contents[contents.startIndex..<restartStart])
    var entries: [BlockEntry] = []
    var lastKey: [UInt8] = []
    var seenRestarts = 0
    while !reader.isAtEnd {
        let entryOffset = reader.position - contents.startIndex
        let shared = try reader.readLength()
        let nonShared = try reader.readLength()
        let valueLength = try reader.readLength()
        guard shared <= lastKey.count else {
            throw FormatError("entry at \(entryOffset) shares \(shared) bytes with a \(lastKey.count)-byte key")
        }
        if restartOffsets.contains(entryOffset) {
            guard shared == 0 else {
                throw FormatError("entry at restart point \(entryOffset) is not a full key")
            }
            seenRestarts += 1
        }
        let suffix = try reader.readBytes(nonShared)
        let value = try reader.readBytes(valueLength)
        let key = Array(lastKey[0..<shared]) + suffix
        if !entries.isEmpty && !bytewiseLess(lastKey, key) {
            throw FormatError("keys out of order at entry offset \(entryOffset)")
        }
        entries.append(BlockEntry(key: key, value: value))
        lastKey = key
    }
    guard entriesSize == 0 || seenRestarts == restartOffsets.count else {
        throw FormatError("restart points do not all point at entries")
    }
    if !entries.isEmpty && numRestarts == 0 {
        throw FormatError("block has entries but no restart points")
    }
    return entries
}
