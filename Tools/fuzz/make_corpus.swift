// Writes the seed corpora in Tools/fuzz/corpus/<target>/: small valid files made with
// SwiftCNN's own writers, plus the TensorFlow-written checkpoints in the test fixtures.
// Run through `Tools/fuzz/run.sh --make-corpus` (it links against the fuzzing build of the
// library, hence the unused LLVMFuzzerTestOneInput below: libFuzzer's runtime needs one,
// and its own `main` stays out because this file defines `main`).
import Foundation

@testable import SwiftCNN

@_cdecl("LLVMFuzzerTestOneInput")
public func unused(_ start: UnsafeRawPointer?, _ count: Int) -> CInt { 0 }

@main struct MakeCorpus {
    static let root = "Tools/fuzz/corpus"
    static let fixtures = "Tests/SwiftCNNTests/Fixtures/checkpoints"

    static func put(_ target: String, _ name: String, _ bytes: [UInt8]) throws {
        let dir = "\(root)/\(target)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/\(name)"))
    }

    static func file(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func u32(_ n: Int) -> [UInt8] { (0..<4).map { UInt8((n >> (8 * $0)) & 0xFF) } }
    static func u16(_ n: Int) -> [UInt8] { [UInt8(n & 0xFF), UInt8(n >> 8)] }

    /// The tfbundle input: u32 index length, index, data.
    static func bundleInput(index: [UInt8], data: [UInt8]) -> [UInt8] { u32(index.count) + index + data }

    /// The tfbundle_entries input: the table's records, 0xFFFF, data.
    static func entriesInput(index: [UInt8], data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        for entry in try readTable(index) {
            out += u16(entry.key.count) + entry.key + u16(entry.value.count) + Array(entry.value)
        }
        return out + u16(0xFFFF) + data
    }

    static func idxBytes(rank: Int, dims: [Int], data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0, 0, 8, UInt8(rank)]
        for d in dims { out += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
        return out + data
    }

    static func main() throws {
        // CIFAR-10: one and two records.
        var record = [UInt8](repeating: 0, count: CIFAR10.recordSize)
        for i in record.indices { record[i] = UInt8(i % 251) }
        record[0] = 3
        var second = record.reversed() as [UInt8]
        second[0] = 9
        try put("cifar10", "one-record.bin", record)
        try put("cifar10", "two-records.bin", record + second)

        // IDX: images and labels, plain and gzip.
        let images = idxBytes(rank: 3, dims: [2, 4, 3], data: (0..<24).map { UInt8($0 * 10) })
        let labels = idxBytes(rank: 1, dims: [3], data: [7, 0, 9])
        try put("idx", "images.idx3", images)
        try put("idx", "labels.idx1", labels)
        try put("idx", "images.idx3.gz", try Gzip.compress(images))
        try put("idx", "labels.idx1.gz", try Gzip.compress(labels))

        // PNG: RGB, gray, RGBA.
        try put("png", "rgb-4x3.png", try PNG.encode(PixelImage(width: 4, height: 3, channels: 3, pixels: (0..<36).map { UInt8($0 * 7) })))
        try put("png", "gray-2x2.png", try PNG.encode(PixelImage(width: 2, height: 2, channels: 1, pixels: [0, 85, 170, 255])))
        try put("png", "rgba-3x1.png", try PNG.encode(PixelImage(width: 3, height: 1, channels: 4, pixels: (0..<12).map { UInt8($0 * 20) })))

        // JPEG: baseline RGB at two sizes (the second needs padding MCUs).
        try put("jpeg", "rgb-8x8.jpg", try JPEG.encode(PixelImage(width: 8, height: 8, channels: 3, pixels: (0..<192).map { UInt8($0) })))
        try put("jpeg", "rgb-17x9.jpg", try JPEG.encode(PixelImage(width: 17, height: 9, channels: 3, pixels: (0..<459).map { UInt8($0 % 256) }), quality: 50))

        // The pre-training check: sound files of each kind, and the failures it names.
        let checkPNG = try PNG.encode(PixelImage(width: 4, height: 3, channels: 3, pixels: (0..<36).map { UInt8($0 * 7) }))
        let checkJPEG = try JPEG.encode(PixelImage(width: 8, height: 8, channels: 3, pixels: (0..<192).map { UInt8($0) }))
        try put("image_check", "rgb-4x3.png", checkPNG)
        try put("image_check", "gray-2x2.png", try PNG.encode(PixelImage(width: 2, height: 2, channels: 1, pixels: [0, 85, 170, 255])))
        try put("image_check", "rgb-8x8.jpg", checkJPEG)
        try put("image_check", "truncated.png", Array(checkPNG.prefix(checkPNG.count - 12)))
        try put("image_check", "no-eoi.jpg", Array(checkJPEG.dropLast(2)))

        // Folder trees (FolderFuzzInput's format): two classes of PNG and JPEG, and a
        // labels-file dataset.
        func tree(_ files: [(String, [UInt8])]) -> [UInt8] {
            files.flatMap { path, content in [UInt8(path.utf8.count)] + Array(path.utf8) + u16(content.count) + content }
        }
        let png = try PNG.encode(PixelImage(width: 4, height: 3, channels: 3, pixels: (0..<36).map { UInt8($0 * 7) }))
        let jpeg = try JPEG.encode(PixelImage(width: 8, height: 8, channels: 3, pixels: (0..<192).map { UInt8($0) }))
        try put("image_folder", "two-classes", tree([("cat/a.png", png), ("cat/b.jpg", jpeg), ("dog/c.png", png), ("dog/sub/d.jpg", jpeg)]))
        try put("image_folder", "labels-file", tree([("a.png", png), ("b.jpg", jpeg), ("labels.txt", Array("a.png 0\nb.jpg 1\n".utf8))]))
        try put("labels_file", "course", Array("0_5.jpg 5\n1_0.jpg 0\n2_4.jpg 4\n".utf8))
        try put("labels_file", "crlf-spaces", Array("my cat.png\t3\r\n\r\nb.png 10\r\n".utf8))

        // safetensors: ours and the reference implementation's.
        try put("safetensors", "two-tensors.safetensors", try SafeTensors.encode(
            [("dense.kernel", CheckpointTensor(floats: [1, 2, 3, 4, 5, 6], shape: [2, 3])),
             ("step", CheckpointTensor(int64s: [7], shape: []))], metadata: ["format": "pt"]))
        try put("safetensors", "empty.safetensors", try SafeTensors.encode([]))
        try put("safetensors", "mixed.safetensors", try file("\(fixtures)/safetensors/mixed.safetensors"))
        // .keras: Keras 3's archive of a small Sequential, and its config.json beside those
        // of the course classes.
        try put("keras_zip", "keras3-global-pooling.keras", try file("\(fixtures)/keras3/global_pooling.keras"))
        // .weights.h5: Keras 3's, with Adam's variables and their `name` attribute.
        try put("keras_weights", "keras3-global-pooling.weights.h5", try file("\(fixtures)/keras3/global_pooling.weights.h5"))
        for name in ["sequential", "resnet18", "inception10", "functional"] {
            let entries = try ZipArchive.read(
                try file("\(fixtures)/keras3/\(name).keras"), entries: ["config.json"], limit: 1 << 20, file: name)
            try put("keras_config", "keras3-\(name).json", entries["config.json"] ?? [])
        }

        // The `checkpoint` text file: ours, CheckpointManager's, Keras's.
        let state = CheckpointState(
            modelCheckpointPath: "ckpt-2", allModelCheckpointPaths: ["ckpt-1", "we\"ird\u{e9}\n"],
            allModelCheckpointTimestamps: [1.7e9, 1.7000000012e9], lastPreservedTimestamp: 1.6e9)
        try put("checkpoint_state", "manager", Array(state.text.utf8))
        try put("checkpoint_state", "tf-manager", try file("\(fixtures)/tfckpt/checkpoint"))
        try put("checkpoint_state", "keras", try file("\(fixtures)/keras/Baseline/checkpoint"))

        // TensorBoard event files: a file-version record, a scalar and a histogram.
        var version = Tensorflow_Event()
        version.fileVersion = "brain.Event:2"
        version.sourceMetadata.writer = "tensorflow.core.util.events_writer"
        let scalar = Summaries.scalar("epoch_loss", 1.25, step: 3, wallTime: 1_700_000_000)
        let histogram = [Float(-1), 0, 0.5, 2].withUnsafeBufferPointer {
            Summaries.histogram("model/dense/kernel/histogram", $0, step: 3, wallTime: 1_700_000_001)
        }
        let events = try [version, scalar, histogram].flatMap { TFRecord.frame(Array(try $0.serializedData())) }
        try put("tfevents", "three-records.v2", events)
        try put("tfevents", "cut-mid-record.v2", Array(events.dropLast(7)))
        try put("tfevents", "scalar-event.pb", Array(try scalar.serializedData()))

        try put("npy", "2x3.npy", NPY.encode(try Tensor(shape: [2, 3], scalars: [1, -2, 3.5, 0, .infinity, 1e-9])))
        try put("npy", "vector.npy", NPY.encode(try Tensor(shape: [4], scalars: [1, 2, 3, 4])))
        try put("npy", "scalar.npy", NPY.encode(try Tensor(shape: [], scalars: [42])))
        try put("npy", "empty.npy", NPY.encode(try Tensor(shape: [0, 3], scalars: [])))

        // history.csv
        try put("history_csv", "two-epochs.csv", Array(HistoryCSV.encode([
            "loss": [1.5, 1.25], "sparse_categorical_accuracy": [0.4, 0.5],
            "val_loss": [1.3, 1.2], "val_sparse_categorical_accuracy": [0.5, 0.55],
        ]).utf8))
        try put("history_csv", "extra-and-missing.csv", Array(HistoryCSV.encode([
            "loss": [2.0, 1.0, 0.5], "lr": [0.01, 0.001, 0.0001], "val_loss": [1.0],
        ]).utf8))

        // TF checkpoints: ours (numbers and strings) and TensorFlow's.
        let ours = try TensorBundle.encode([
            ("conv/kernel", CheckpointTensor(floats: (0..<8).map(Float.init), shape: [2, 2, 1, 2])),
            ("step", CheckpointTensor(int64s: [3], shape: [])),
            ("names", CheckpointTensor(strings: [Array("a".utf8), [], Array("long name".utf8)], shape: [3])),
        ])
        var bundles: [(String, [UInt8], [UInt8])] = [("ours", ours.index, ours.data)]
        for (name, prefix) in [
            ("tf-mixed", "raw/mixed"), ("tf-manager", "tfckpt/ckpt-1"), ("keras-baseline", "keras/Baseline/fresh.ckpt"),
        ] {
            bundles.append((name, try file("\(fixtures)/\(prefix).index"), try file("\(fixtures)/\(prefix).data-00000-of-00001")))
        }
        for (name, index, data) in bundles {
            try put("tfbundle", name, bundleInput(index: index, data: data))
            try put("tfbundle_entries", name, try entriesInput(index: index, data: data))
        }

        // Object graphs: the fuzz target's model as SwiftCNN writes it, and tf.keras's
        // graphs (trained: with optimizer slots) from the fixtures.
        let model = Sequential {
            Conv2D(2, kernelSize: (3, 3))
            BatchNormalization()
            Flatten()
            Dense(3)
        }
        try model.build(inputShape: [4, 4, 1])
        try put("objectgraph", "swiftcnn-sequential", try KerasObjectGraph(model: model).proto.serializedBytes())
        for name in ["Baseline/trained.ckpt", "ResNet18/fresh.ckpt"] {
            let entries = try TensorBundle.read(prefix: "\(fixtures)/keras/\(name)")
            guard let graph = entries.first(where: { $0.key == KerasObjectGraph.graphKey })?.tensor.strings.first else {
                throw SwiftCNNError("\(name): no object graph")
            }
            try put("objectgraph", "keras-" + name.replacingOccurrences(of: "/", with: "-"), graph)
        }
    }
}
