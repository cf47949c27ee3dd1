import SwiftProtobuf

// Writes a tensor bundle as TensorFlow's `BundleWriter` does
// (tensorflow/core/util/tensor_bundle/tensor_bundle.cc):
//
// - `<prefix>.data-00000-of-00001`: the tensors' bytes back to back, in the
//   order they were added, with no padding (data_alignment 1). Numeric
//   tensors are raw little-endian elements; a DT_STRING tensor is the varint64
//   lengths of its elements, the masked CRC32C of those lengths (each as a
//   little-endian uint32), then the element bytes.
// - `<prefix>.index`: a LevelDB table whose entry "" is a BundleHeaderProto
//   (num_shards 1, LITTLE endian, version producer 1) and whose other entries,
//   sorted bytewise by key, are BundleEntryProtos (dtype, shape, shard 0,
//   offset, size, masked CRC32C of the tensor's bytes).

/// Reading and writing TensorFlow tensor bundles (the `.index` +
/// `.data-00000-of-00001` pair that `tf.train.Checkpoint` and Keras's
/// `save_weights` write).
///
/// ```swift
/// try TensorBundle.write(
///     [(key: "dense/kernel", tensor: CheckpointTensor(floats: [1, 2, 3, 4], shape: [2, 2]))],
///     prefix: "checkpoint/model.ckpt")
/// let entries = try TensorBundle.read(prefix: "checkpoint/model.ckpt")
/// ```
public enum TensorBundle {
    /// Path of the index (metadata) file of the bundle at `prefix`.
    public static func indexPath(prefix: String) -> String { prefix + ".index" }

    /// Path of data shard `shard` of `shards` (`<prefix>.data-00000-of-00001`).
    public static func dataPath(prefix: String, shard: Int = 0, of shards: Int = 1) -> String {
        func pad(_ n: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, 5 - digits.count)) + digits
        }
        return "\(prefix).data-\(pad(shard))-of-\(pad(shards))"
    }

    /// Writes the bundle so that a kill at any moment leaves a complete bundle on disk:
    /// both files go to synced temporaries, the bundle already there keeps a second name
    /// (`<prefix>-previous`) until the new data and index are both in place, then that
    /// copy is removed. ``read(prefix:)`` of a prefix whose save was cut short fails;
    /// ``completePrefix(_:)`` finds the copy to read instead.
    public static func write(_ entries: [(key: String, tensor: CheckpointTensor)], prefix: String) throws {
        try fileSet(entries, prefix: prefix).write()
    }

    /// The bundle's two files as a set replaced together; callers add files that belong
    /// with the bundle (a resume state) before writing it.
    static func fileSet(_ entries: [(key: String, tensor: CheckpointTensor)], prefix: String) throws -> FileSet {
        let (index, data) = try encode(entries, prefix: prefix)
        return FileSet(
            prefix: prefix, files: [(dataSuffix, data), (indexSuffix, index)], isComplete: isComplete)
    }

    /// Whether a bundle at `prefix` reads and verifies (every CRC).
    static func isComplete(_ prefix: String) -> Bool { (try? read(prefix: prefix)) != nil }

    /// `prefix` when the bundle there is complete, else its backup when a save into it
    /// was cut short and the backup is complete, else nil.
    public static func completePrefix(_ prefix: String) -> String? {
        FileSet.completePrefix(prefix, isComplete: isComplete)
    }

    static let indexSuffix = ".index"
    static let dataSuffix = ".data-00000-of-00001"

    /// The bytes of the `.index` and `.data-00000-of-00001` files for
    /// `entries`. Tensor data is laid out in the order given.
    public static func encode(
        _ entries: [(key: String, tensor: CheckpointTensor)], prefix: String = "<bundle>"
    ) throws -> (index: [UInt8], data: [UInt8]) {
        let indexFile = indexPath(prefix: prefix)
        var data: [UInt8] = []
        var protos: [(key: [UInt8], entry: Tensorflow_BundleEntryProto)] = []
        for (key, tensor) in entries {
            guard !key.isEmpty else {
                throw CheckpointError(
                    file: indexFile, variable: key, message: "the empty key is reserved for the bundle header")
            }
            var entry = Tensorflow_BundleEntryProto()
            entry.dtype = tensor.dtype.protoValue
            entry.shape = shapeProto(tensor.shape)
            entry.shardID = 0
            entry.offset = Int64(data.count)
            let bytes = tensor.dtype == .string ? encodeStringTensor(tensor.strings) : tensor.bytes
            entry.size = Int64(bytes.count)
            let crc = tensor.dtype == .string ? stringTensorCRC(tensor.strings) : CRC32C.checksum(bytes)
            entry.crc32C = CRC32C.mask(crc)
            data += bytes
            protos.append((Array(key.utf8), entry))
        }
        protos.sort { bytewiseLess($0.key, $1.key) }
        var table = TableWriter()
        do {
            table.add(key: [], value: try bundleHeader().serializedBytes())
            for (i, item) in protos.enumerated() {
                if i > 0 && item.key == protos[i - 1].key {
                    throw CheckpointError(
                        file: indexFile, variable: String(decoding: item.key, as: UTF8.self), message: "duplicate key")
                }
                table.add(key: item.key, value: try item.entry.serializedBytes())
            }
        } catch let error as BinaryEncodingError {
            throw CheckpointError(file: indexFile, message: "cannot serialize bundle entry: \(error)")
        }
        return (table.finish(), data)
    }
}

/// The on-disk form of a DT_STRING tensor (`WriteStringTensor`). The entry's
/// CRC is not the CRC of these bytes (lengths are checksummed as integers, not
/// as varints), see ``stringTensorCRC(_:)``.
func encodeStringTensor(_ strings: [[UInt8]]) -> [UInt8] {
    var out: [UInt8] = []
    for s in strings { out.appendVarint(UInt64(s.count)) }
    out.appendFixed32(CRC32C.mask(stringLengthsCRC(strings.map { UInt64($0.count) })))
    for s in strings { out += s }
    return out
}

/// CRC32C of the element lengths, each as a little-endian uint32 (or uint64
/// when it does not fit, as `WriteStringTensor` does).
func stringLengthsCRC(_ lengths: [UInt64]) -> UInt32 {
    var crc: UInt32 = 0
    for length in lengths {
        var buffer: [UInt8] = []
        if length <= UInt64(UInt32.max) { buffer.appendFixed32(UInt32(length)) } else { buffer.appendFixed64(length) }
        crc = CRC32C.extend(crc, buffer)
    }
    return crc
}

/// The checksum `WriteStringTensor` stores in the entry: lengths as integers,
/// then the masked length checksum's bytes, then the element bytes.
func stringTensorCRC(_ strings: [[UInt8]]) -> UInt32 {
    let lengthsCRC = stringLengthsCRC(strings.map { UInt64($0.count) })
    var masked: [UInt8] = []
    masked.appendFixed32(CRC32C.mask(lengthsCRC))
    var crc = CRC32C.extend(lengthsCRC, masked)
    for s in strings { crc = CRC32C.extend(crc, s) }
    return crc
}
