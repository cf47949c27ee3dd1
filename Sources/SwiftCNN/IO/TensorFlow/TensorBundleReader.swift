import Foundation
import SwiftProtobuf

// Reads a tensor bundle and verifies it completely before returning anything:
// the index table (footer, block CRCs, key order), the header (shards,
// endianness, version), and for each entry its dtype, shape, shard, bounds,
// size-versus-shape and tensor CRC32C. Errors name the file and the key.

/// One named tensor of a bundle.
public struct TensorBundleEntry: Sendable, Equatable {
    /// The tensor's key in the bundle
    /// (`layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE`).
    public let key: String
    /// The tensor's type, shape and bytes.
    public let tensor: CheckpointTensor
}

extension TensorBundle {
    /// Reads and verifies the bundle at `prefix`; entries come sorted by key.
    public static func read(prefix: String) throws -> [TensorBundleEntry] {
        let indexFile = indexPath(prefix: prefix)
        let index = try readWholeFile(indexFile)
        let header = try decodeHeader(index: index, indexFile: indexFile)
        var shards: [[UInt8]] = []
        var shardFiles: [String] = []
        for shard in 0..<header.shards {
            let file = dataPath(prefix: prefix, shard: shard, of: header.shards)
            shardFiles.append(file)
            shards.append(try readWholeFile(file))
        }
        return try decode(index: index, shards: shards, indexFile: indexFile, shardFiles: shardFiles)
    }

    /// Decodes a bundle from the bytes of its index and data shards; the file
    /// names are used in error messages only.
    public static func decode(
        index: [UInt8], shards: [[UInt8]], indexFile: String = "<index>", shardFiles: [String]? = nil
    ) throws -> [TensorBundleEntry] {
        try decodeWithLayout(index: index, shards: shards, indexFile: indexFile, shardFiles: shardFiles).map(\.entry)
    }

    /// Like ``decode(index:shards:indexFile:shardFiles:)``, also returning
    /// where each tensor lies (shard, byte offset) so tests can rebuild a
    /// bundle in the same data order.
    static func decodeWithLayout(
        index: [UInt8], shards: [[UInt8]], indexFile: String = "<index>", shardFiles: [String]? = nil
    ) throws -> [(entry: TensorBundleEntry, shard: Int, offset: Int)] {
        let files = shardFiles ?? shards.indices.map { "<data shard \($0)>" }
        let header = try decodeHeader(index: index, indexFile: indexFile)
        guard header.shards == shards.count, files.count == shards.count else {
            throw CheckpointError(
                file: indexFile, message: "header names \(header.shards) data shards, \(shards.count) given")
        }
        var result: [(entry: TensorBundleEntry, shard: Int, offset: Int)] = []
        for item in header.entries.dropFirst() {
            guard let key = String(validating: item.key, as: UTF8.self) else {
                throw CheckpointError(file: indexFile, message: "a key is not valid UTF-8")
            }
            let entry: Tensorflow_BundleEntryProto
            do {
                entry = try Tensorflow_BundleEntryProto(serializedBytes: Array(item.value))
            } catch {
                throw CheckpointError(
                    file: indexFile, variable: key, message: "entry is not a parseable BundleEntryProto (\(error))")
            }
            let tensor = try decodeEntry(entry, key: key, shards: shards, indexFile: indexFile, shardFiles: files)
            result.append((TensorBundleEntry(key: key, tensor: tensor), Int(entry.shardID), Int(entry.offset)))
        }
        return result
    }
}

private struct DecodedHeader {
    var shards: Int
    var entries: [BlockEntry]
}

private func decodeHeader(index: [UInt8], indexFile: String) throws -> DecodedHeader {
    let entries: [BlockEntry]
    do {
        entries = try readTable(index)
    } catch {
        throw CheckpointError(file: indexFile, message: error.message)
    }
    guard let first = entries.first, first.key.isEmpty else {
        throw CheckpointError(file: indexFile, message: "no bundle header (entry with the empty key)")
    }
    let header: Tensorflow_BundleHeaderProto
    do {
        header = try Tensorflow_BundleHeaderProto(serializedBytes: Array(first.value))
    } catch {
        throw CheckpointError(file: indexFile, message: "bundle header is not a parseable BundleHeaderProto (\(error))")
    }
    guard header.endianness == .little else {
        throw CheckpointError(
            file: indexFile, message: "bundle was written big-endian; only little-endian bundles are supported")
    }
    let version = header.version
    guard version.producer >= BundleVersion.minProducer, version.minConsumer <= BundleVersion.consumer,
        !version.badConsumers.contains(BundleVersion.consumer)
    else {
        throw CheckpointError(
            file: indexFile,
            message:
                "bundle format version (producer \(version.producer), min consumer \(version.minConsumer)) is not readable by consumer \(BundleVersion.consumer)"
        )
    }
    guard header.numShards >= 1, header.numShards <= 100_000 else {
        throw CheckpointError(file: indexFile, message: "implausible number of data shards \(header.numShards)")
    }
    return DecodedHeader(shards: Int(header.numShards), entries: entries)
}

private func decodeEntry(
    _ entry: Tensorflow_BundleEntryProto, key: String, shards: [[UInt8]], indexFile: String, shardFiles: [String]
) throws -> CheckpointTensor {
    func fail(_ message: String, file: String? = nil) -> CheckpointError {
        CheckpointError(file: file ?? indexFile, variable: key, message: message)
    }
    guard entry.slices.isEmpty else { throw fail("partitioned (sliced) tensors are not supported") }
    guard let dtype = CheckpointDType(proto: entry.dtype) else { throw fail("unsupported dtype \(entry.dtype)") }
    guard entry.hasShape, !entry.shape.unknownRank else { throw fail("entry has no known shape") }
    var shape: [Int] = []
    for dim in entry.shape.dim {
        guard dim.size >= 0, let size = Int(exactly: dim.size) else { throw fail("invalid dimension \(dim.size)") }
        shape.append(size)
    }
    guard let count = checkedElementCount(shape) else { throw fail("shape \(shape) has too many elements") }
    guard entry.shardID >= 0, Int(entry.shardID) < shards.count else {
        throw fail("data shard \(entry.shardID) does not exist (bundle has \(shards.count))")
    }
    let shard = Int(entry.shardID)
    let data = shards[shard]
    let dataFile = shardFiles[shard]
    guard entry.offset >= 0, entry.size >= 0, let offset = Int(exactly: entry.offset),
        let size = Int(exactly: entry.size),
        offset <= data.count, size <= data.count - offset
    else {
        throw fail(
            "bytes [\(entry.offset), +\(entry.size)) lie outside the \(data.count)-byte data file", file: dataFile)
    }
    let bytes = Array(data[offset..<(offset + size)])
    if dtype == .string {
        let strings: [[UInt8]]
        do {
            strings = try decodeStringTensor(bytes, count: count)
        } catch {
            throw fail(error.message, file: dataFile)
        }
        guard CRC32C.unmask(entry.crc32C) == stringTensorCRC(strings) else {
            throw fail("tensor data fails its CRC32C check", file: dataFile)
        }
        return CheckpointTensor(validated: .string, shape: shape, bytes: [], strings: strings)
    }
    guard let expected = byteCount(dtype, shape), expected == size else {
        throw fail("size \(size) bytes does not match \(dtype) shape \(shape)")
    }
    guard CRC32C.unmask(entry.crc32C) == CRC32C.checksum(bytes) else {
        throw fail("tensor data fails its CRC32C check", file: dataFile)
    }
    return CheckpointTensor(validated: dtype, shape: shape, bytes: bytes, strings: [])
}

/// Parses the DT_STRING layout written by `encodeStringTensor`, checking the
/// length checksum and that the element bytes exactly fill the entry.
func decodeStringTensor(_ bytes: [UInt8], count: Int) throws(FormatError) -> [[UInt8]] {
    // TensorFlow writes nothing at all for a string tensor of size 0.
    if bytes.isEmpty && count == 0 { return [] }
    var reader = ByteReader(bytes[...])
    var lengths: [UInt64] = []
    for _ in 0..<count {
        // Each length takes at least one byte, so a hostile element count
        // fails here after at most `bytes.count` iterations.
        lengths.append(try reader.readVarint())
    }
    let stored = CRC32C.unmask(try reader.readFixed32())
    guard stored == stringLengthsCRC(lengths) else { throw FormatError("string lengths fail their CRC32C check") }
    var strings: [[UInt8]] = []
    for length in lengths {
        guard let n = Int(exactly: length), n <= reader.remaining else {
            throw FormatError("string element of \(length) bytes runs past the entry")
        }
        strings.append(Array(try reader.readBytes(n)))
    }
    guard reader.isAtEnd else { throw FormatError("\(reader.remaining) unexplained bytes after the string elements") }
    return strings
}

/// The contents of `path`, or a ``CheckpointError`` naming it.
func readWholeFile(_ path: String, maxBytes: Int = maxCheckpointFileBytes) throws -> [UInt8] {
    do {
        return try BinaryFile.read(path, maxBytes: maxBytes)
    } catch let error as SwiftCNNError {
        let prefix = "\(path): "
        let message = error.message.hasPrefix(prefix) ? String(error.message.dropFirst(prefix.count)) : error.message
        throw CheckpointError(file: path, message: message)
    }
}

/// The largest checkpoint, weights or model file read (a tensor shard or a whole `.keras`).
let maxCheckpointFileBytes = 8 << 30
/// The largest small metadata file read (checkpoint state, resume state, JSON).
let maxMetadataFileBytes = 64 << 20
