import Foundation
import Testing

@testable import SwiftCNN

/// Offline check that TensorFlow reads what SwiftCNN writes: with
/// SWIFTCNN_INTEROP_DIR set, writes `<dir>/swift.ckpt` (every dtype, a
/// multi-block index of 6000 keys, a 1M-element tensor) and
/// `<dir>/swift.json` describing it; Tools/check_checkpoint_interop.py then
/// loads it with tf.train.load_checkpoint and compares. Skipped in CI.
@Suite struct TensorFlowInteropTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SWIFTCNN_INTEROP_DIR"] != nil))
    func writeBundleForTensorFlow() throws {
        let dir = try #require(ProcessInfo.processInfo.environment["SWIFTCNN_INTEROP_DIR"])
        var entries = TensorBundleTests.sample
        entries.append(("big/kernel", CheckpointTensor(floats: (0..<1_000_000).map { Float($0 % 977) * 0.001 - 0.3 }, shape: [1000, 1000])))
        for i in 0..<6000 {
            let key = "model/layer_with_weights-\(i / 100)/sublayer_\(i % 100)/kernel/.ATTRIBUTES/VARIABLE_VALUE"
            entries.append((key, CheckpointTensor(floats: [Float(i), -Float(i) / 3], shape: [2])))
        }
        try TensorBundle.write(entries, prefix: dir + "/swift.ckpt")
        let index = try TensorBundle.encode(entries).index
        let manifest = entries.map { entry -> [String: Any] in
            [
                "key": entry.key, "dtype": entry.tensor.dtype.description, "shape": entry.tensor.shape,
                "bytes": entry.tensor.dtype == .string ? [] : Array(entry.tensor.bytes.prefix(64)).map(Int.init),
                "count": entry.tensor.elementCount,
                "crc": Int(CRC32C.checksum(entry.tensor.bytes)),
                "strings": entry.tensor.strings.map { $0.map(Int.init) },
            ]
        }
        let json = try JSONSerialization.data(withJSONObject: ["entries": manifest, "index_size": index.count])
        try json.write(to: URL(fileURLWithPath: dir + "/swift.json"))
    }
}

/// Prints a bundle's entries in data-file order (set SWIFTCNN_DUMP_BUNDLE to
/// its prefix); an investigation aid, skipped in CI.
@Suite struct BundleDumpTests {
    @Test(.enabled(if: ProcessInfo.processInfo.environment["SWIFTCNN_DUMP_BUNDLE"] != nil))
    func dumpBundle() throws {
        let prefix = try #require(ProcessInfo.processInfo.environment["SWIFTCNN_DUMP_BUNDLE"])
        let index = try readWholeFile(TensorBundle.indexPath(prefix: prefix))
        let data = try readWholeFile(TensorBundle.dataPath(prefix: prefix))
        let layout = try TensorBundle.decodeWithLayout(index: index, shards: [data])
        for item in layout.sorted(by: { $0.offset < $1.offset }) {
            print("DUMP", item.offset, item.entry.key, item.entry.tensor.dtype, item.entry.tensor.shape)
        }
    }
}
