import Foundation
import Testing

@testable import SwiftCNN

/// Damage in every region of a bundle must give a CheckpointError naming the
/// file, never a trap and never silently wrong values.
@Suite struct BundleCorruptionTests {
    private static func fixture() throws -> (index: [UInt8], data: [UInt8]) {
        (try IOFixtures.bytes("raw/mixed.index"), try IOFixtures.bytes("raw/mixed.data-00000-of-00001"))
    }

    private func decode(_ index: [UInt8], _ data: [UInt8]) throws {
        _ = try TensorBundle.decode(index: index, shards: [data], indexFile: "m.index", shardFiles: ["m.data"])
    }

    @Test func everyFlippedIndexByteIsDetected() throws {
        let (index, data) = try Self.fixture()
        for position in index.indices {
            for flip: UInt8 in [0x01, 0x80] {
                var damaged = index
                damaged[position] ^= flip
                let error = expectCheckpointError { try decode(damaged, data) }
                #expect(error?.file == "m.index", "byte \(position)")
            }
        }
    }

    @Test func everyFlippedDataByteIsDetected() throws {
        let (index, data) = try Self.fixture()
        for position in data.indices {
            var damaged = data
            damaged[position] ^= 0x10
            let error = expectCheckpointError { try decode(index, damaged) }
            #expect(error?.file == "m.data", "byte \(position)")
            #expect(error?.variable != nil, "byte \(position)")
        }
    }

    @Test func truncationAtEveryLengthIsDetected() throws {
        let (index, data) = try Self.fixture()
        for length in 0..<index.count {
            expectCheckpointError { try decode(Array(index[..<length]), data) }
        }
        for length in 0..<data.count {
            expectCheckpointError { try decode(index, Array(data[..<length])) }
        }
    }

    @Test func wrongMagicIsNamed() throws {
        let (index, data) = try Self.fixture()
        var damaged = index
        damaged[damaged.count - 1] = 0x00
        let error = expectCheckpointError { try decode(damaged, data) }
        #expect(error?.message.contains("magic") == true)
        let notATable = expectCheckpointError { try decode([UInt8](repeating: 0x20, count: 100), data) }
        #expect(notATable?.message.contains("magic") == true)
    }

    /// Overwrites bytes inside blocks and then repairs the block CRCs, so the
    /// structural checks behind the CRC are exercised too. Any outcome but a
    /// trap is acceptable: some edits leave a valid table.
    @Test func resealedBlockTamperingNeverTraps() throws {
        let (index, data) = try Self.fixture()
        let blocks = try blockRanges(index)
        for range in blocks {
            for position in range {
                for value: UInt8 in [0x00, 0xff, 0x80, index[position] &+ 1] {
                    var damaged = index
                    damaged[position] = value
                    reseal(&damaged, range)
                    _ = try? decode(damaged, data)
                }
            }
        }
    }

    /// Entries whose protos lie about the data are rejected by name.
    @Test func inconsistentEntriesAreNamed() throws {
        let floats = CheckpointTensor(floats: [1, 2, 3, 4], shape: [2, 2])
        let (_, data) = try TensorBundle.encode([("w", floats)])
        func bundle(_ edit: (inout Tensorflow_BundleEntryProto) -> Void) throws -> [UInt8] {
            var entry = Tensorflow_BundleEntryProto()
            entry.dtype = .dtFloat
            entry.shape = shapeProto([2, 2])
            entry.size = 16
            entry.crc32C = CRC32C.mask(CRC32C.checksum(data))
            edit(&entry)
            var table = TableWriter()
            table.add(key: [], value: try bundleHeader().serializedBytes())
            table.add(key: Array("w".utf8), value: try entry.serializedBytes())
            return table.finish()
        }
        #expect(throws: Never.self) { try decode(try bundle { _ in }, data) }
        let cases: [(String, (inout Tensorflow_BundleEntryProto) -> Void)] = [
            ("outside", { $0.offset = 8 }),
            ("outside", { $0.offset = -1 }),
            ("outside", { $0.size = .max }),
            ("does not match", { $0.shape = shapeProto([3, 2]) }),
            ("does not match", { $0.dtype = .dtInt64 }),
            ("invalid dimension", { $0.shape = shapeProto([-1, 4]) }),
            ("too many elements", { $0.shape = shapeProto([1 << 40, 1 << 40]) }),
            ("shard", { $0.shardID = 1 }),
            ("unsupported dtype", { $0.dtype = .dtResource }),
            ("no known shape", { $0.clearShape() }),
            ("partitioned", { $0.slices = [Tensorflow_TensorSliceProto()] }),
            ("CRC32C", { $0.crc32C &+= 1 }),
        ]
        for (fragment, edit) in cases {
            let error = expectCheckpointError { try decode(try bundle(edit), data) }
            #expect(error?.variable == "w")
            #expect(error?.message.contains(fragment) == true, "\(fragment): \(error?.message ?? "")")
        }
    }

    @Test func badHeadersAreRejected() throws {
        func index(_ header: Tensorflow_BundleHeaderProto?) throws -> [UInt8] {
            var table = TableWriter()
            if let header { table.add(key: [], value: try header.serializedBytes()) }
            table.add(key: Array("w".utf8), value: [])
            return table.finish()
        }
        var big = bundleHeader()
        big.endianness = .big
        var future = bundleHeader()
        future.version.minConsumer = 5
        var bad = bundleHeader()
        bad.version.badConsumers = [1]
        var noShards = bundleHeader()
        noShards.numShards = 0
        for (header, fragment) in [(nil, "header"), (big, "big-endian"), (future, "version"), (bad, "version"), (noShards, "shards")] {
            let error = expectCheckpointError { try decode(try index(header), []) }
            #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "")")
        }
    }

    private func blockRanges(_ file: [UInt8]) throws -> [Range<Int>] {
        let footer = try TableFooter.decode(file[(file.count - 48)...])
        var ranges = [footer.metaindex, footer.index].map { Int($0.offset)..<Int($0.offset + $0.size) }
        let indexRange = ranges[1]
        for entry in try decodeBlock(file[indexRange]) {
            var reader = ByteReader(entry.value)
            let handle = try BlockHandle.decode(&reader)
            ranges.append(Int(handle.offset)..<Int(handle.offset + handle.size))
        }
        return ranges
    }

    private func reseal(_ file: inout [UInt8], _ block: Range<Int>) {
        let crc = CRC32C.extend(CRC32C.checksum(file[block]), [file[block.upperBound]])
        var trailer: [UInt8] = []
        trailer.appendFixed32(CRC32C.mask(crc))
        file.replaceSubrange((block.upperBound + 1)..<(block.upperBound + 5), with: trailer)
    }
}
