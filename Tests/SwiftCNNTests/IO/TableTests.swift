import Testing

@testable import SwiftCNN

@Suite struct TableTests {
    private func key(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func separatorsMatchLevelDB() {
        var a = key("abcd")
        shortenToSeparator(&a, limit: key("abzz"))
        #expect(a == key("abd"))
        var prefix = key("abc")
        shortenToSeparator(&prefix, limit: key("abcd"))
        #expect(prefix == key("abc"))
        var adjacent = key("abc")
        shortenToSeparator(&adjacent, limit: key("abd"))
        #expect(adjacent == key("abc"))
        var successor = key("x")
        shortenToSuccessor(&successor)
        #expect(successor == key("y"))
        var ff: [UInt8] = [0xff, 0xff, 0x41]
        shortenToSuccessor(&ff)
        #expect(ff == [0xff, 0xff, 0x42])
        var allFF: [UInt8] = [0xff, 0xff]
        shortenToSuccessor(&allFF)
        #expect(allFF == [0xff, 0xff])
    }

    @Test func blockRoundTripsWithRestarts() throws {
        var builder = BlockBuilder(restartInterval: 16)
        let keys = (0..<40).map { key("layer_with_weights-\($0 / 10)/kernel/\($0 % 10)") }.sorted { bytewiseLess($0, $1) }
        for (i, k) in keys.enumerated() { builder.add(key: k, value: [UInt8(i)]) }
        let block = builder.finish()
        #expect(builder.currentSizeEstimate == block.count)
        // 40 entries at interval 16 -> restart points at entries 0, 16, 32.
        #expect(readFixed32(block[...], at: block.count - 4) == 3)
        let entries = try decodeBlock(block[...])
        #expect(entries.map(\.key) == keys)
        #expect(entries.map { Array($0.value) } == (0..<40).map { [UInt8($0)] })
    }

    @Test func emptyBlockDecodes() throws {
        let block = BlockBuilder(restartInterval: 16).finish()
        #expect(block == [0, 0, 0, 0, 1, 0, 0, 0])
        #expect(try decodeBlock(block[...]).isEmpty)
    }

    @Test func multiBlockTableRoundTrips() throws {
        // ~1.2 MiB of values forces several 256 KiB data blocks.
        var writer = TableWriter()
        var expected: [([UInt8], [UInt8])] = []
        for i in 0..<300 {
            let k = key("tensor/\(String(i + 1000))")
            let v = [UInt8](repeating: UInt8(i % 251), count: 4000)
            writer.add(key: k, value: v)
            expected.append((k, v))
        }
        let file = writer.finish()
        let entries = try readTable(file)
        #expect(entries.count == 300)
        for (entry, (k, v)) in zip(entries, expected) {
            #expect(entry.key == k)
            #expect(Array(entry.value) == v)
        }
        let footer = try TableFooter.decode(file[(file.count - 48)...])
        let indexStart = Int(footer.index.offset)
        let index = try decodeBlock(file[indexStart..<(indexStart + Int(footer.index.size))])
        #expect(index.count > 3)
    }

    @Test func oversizedEntryGetsItsOwnBlock() throws {
        var writer = TableWriter()
        writer.add(key: key("a"), value: [1])
        writer.add(key: key("b"), value: [UInt8](repeating: 2, count: 2 * TableFormat.blockSize))
        writer.add(key: key("c"), value: [3])
        let entries = try readTable(writer.finish())
        #expect(entries.map(\.key) == [key("a"), key("b"), key("c")])
    }

    /// Rewrites the type byte of the first block and fixes its CRC, so only
    /// the compression check can object.
    private func tableWithFirstBlockType(_ type: UInt8) throws -> [UInt8] {
        var writer = TableWriter()
        writer.add(key: key("k"), value: [42])
        var file = writer.finish()
        let footer = try TableFooter.decode(file[(file.count - 48)...])
        let indexStart = Int(footer.index.offset)
        let indexEntries = try decodeBlock(file[indexStart..<(indexStart + Int(footer.index.size))])
        var reader = ByteReader(indexEntries[0].value)
        let handle = try BlockHandle.decode(&reader)
        let end = Int(handle.offset + handle.size)
        file[end] = type
        let crc = CRC32C.extend(CRC32C.checksum(file[Int(handle.offset)..<end]), [type])
        var trailer: [UInt8] = []
        trailer.appendFixed32(CRC32C.mask(crc))
        file.replaceSubrange((end + 1)..<(end + 5), with: trailer)
        return file
    }

    @Test func rejectsCompressedBlocks() throws {
        let snappy = try tableWithFirstBlockType(1)
        let unknown = try tableWithFirstBlockType(9)
        let snappyError = #expect(throws: FormatError.self) { try readTable(snappy) }
        #expect(snappyError?.message.contains("Snappy") == true)
        let unknownError = #expect(throws: FormatError.self) { try readTable(unknown) }
        #expect(unknownError?.message.contains("unknown compression type 9") == true)
    }

    @Test func hostileVarintsThrow() {
        // A block whose first entry has an 11-byte varint, then a huge length.
        let cases: [[UInt8]] = [
            [UInt8](repeating: 0xff, count: 11) + [0, 0, 0, 0, 1, 0, 0, 0],
            [0x00, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, 0, 0, 0, 0, 1, 0, 0, 0],
            [0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x41, 0, 0, 0, 0, 1, 0, 0, 0],
            [0x05, 0x01, 0x00, 0x41, 0, 0, 0, 0, 1, 0, 0, 0],
            [0x00, 0x01, 0x00, 0x41, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff],
            [0x00, 0x01, 0x00, 0x41, 0x09, 0, 0, 0, 1, 0, 0, 0],
            [1, 0, 0],
        ]
        for block in cases {
            #expect(throws: FormatError.self) { try decodeBlock(block[...]) }
        }
    }
}
