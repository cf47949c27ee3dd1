import Foundation
import Testing

@testable import SwiftCNN

/// Replays every input committed under `Fixtures/fuzz/<target>/` (crashes and other
/// inputs the fuzzers in `Tools/fuzz` found) through the same reader entry point as the
/// libFuzzer target of that name. Each must either decode or throw one clear error
/// (``SwiftCNNError`` or ``CheckpointError`` with a non-empty message); a trap ends the
/// test run, which is the failure this guards against.
@Suite struct FuzzRegressionTests {
    static let targets = [
        "cifar10", "idx", "png", "jpeg", "safetensors", "checkpoint_state", "npy", "history_csv",
        "tfbundle", "tfbundle_entries", "objectgraph", "tfevents", "keras_zip", "keras_config", "image_folder",
        "labels_file", "image_check", "keras_weights",
    ]

    static var root: URL {
        get throws {
            let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
            return fixtures.appendingPathComponent("fuzz")
        }
    }

    /// The committed inputs of `target`, sorted by name.
    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        let dir = try root.appendingPathComponent(target)
        guard FileManager.default.fileExists(atPath: dir.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted().map {
            ($0, [UInt8](try Data(contentsOf: dir.appendingPathComponent($0))))
        }
    }

    @Test func everyFixtureFolderIsATarget() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.root.path)
        for folder in folders { #expect(Self.targets.contains(folder), "Fixtures/fuzz/\(folder) names no fuzz target") }
    }

    @Test(arguments: targets) func replay(target: String) throws {
        for (name, bytes) in try Self.inputs(target) {
            do {
                try FuzzEntry.feed(target, bytes)
            } catch let error as SwiftCNNError {
                #expect(!error.message.isEmpty, "\(target)/\(name): empty message")
            } catch let error as CheckpointError {
                #expect(!error.message.isEmpty, "\(target)/\(name): empty message")
            } catch {
                Issue.record("\(target)/\(name): unexpected error type \(type(of: error)): \(error)")
            }
        }
    }

    /// Inputs that must decode.
    @Test func validInputsDecode() throws {
        for (target, name) in [("checkpoint_state", "crlf-line-ends")] {
            let bytes = try #require(try Self.inputs(target).first { $0.name == name }?.bytes)
            #expect(throws: Never.self, "\(target)/\(name)") { try FuzzEntry.feed(target, bytes) }
        }
        let state = try CheckpointState.parse(
            #require(try Self.inputs("checkpoint_state").first { $0.name == "crlf-line-ends" }?.bytes))
        #expect(state.modelCheckpointPath == "ckpt-2")
        #expect(state.allModelCheckpointPaths == ["ckpt-1", "ckpt-2"])
    }

    /// The specific messages of the inputs that once crashed or misbehaved.
    @Test func knownInputsGiveTheirMessages() throws {
        let expectations: [(target: String, name: String, message: String)] = [
            // Leaked the work closure's context and message buffers (LeakSanitizer).
            ("jpeg", "libjpeg-error-exit-leak", "libjpeg: Bogus Huffman table definition"),
            // A 640-byte file claiming 8000×8000 decoded to 192 MB of padding.
            ("jpeg", "bad-64M-pixels-tiny-file", "8000×8000 image needs at least 125000 bytes of coded data"),
            // Allocated 192 MB before libpng found the data missing.
            ("png", "bad-64M-pixels-tiny-file", "8000×8000 image needs at least 7759 bytes of compressed data"),
            // 0 images of 3806520034×3806520034: rows × columns overflowed (trap).
            ("idx", "crash-zero-images-huge-rows-cols", "dimensions 0×3806520034×3806520034 are larger than the file"),
            ("safetensors", "bad-dtype", "unsupported dtype 'F128'"),
            ("tfbundle_entries", "bad-string-count-huge", "varint runs past the end"),
            ("objectgraph", "bad-missing-node", "points to missing node 99"),
            ("tfevents", "bad-data-crc", "fuzz.tfevents: record at byte 69: data checksum mismatch"),
            ("image_folder", "bad-truncated-and-text", "3 of 4 image files cannot be read"),
            ("image_folder", "bad-escaping-path", "leaves no validation images"),
            ("image_folder", "bad-empty-class", "dog: class folder has no images"),
            ("image_folder", "bad-labels-missing-file", "missing.png: cannot open (No such file or directory)"),
            ("labels_file", "bad-label-word", "labels.txt:1: label 'cat' is not a whole number from 0"),
            ("labels_file", "bad-no-label", "labels.txt:1: expected `filename label`, got 'a.png'"),
            // Keras's global_pooling.weights.h5 damaged: a heap object 0 of size 0, on which
            // H5Aread of the optimizer's name never returned; 8 flipped bytes, on which
            // H5HG_read segfaulted; a dataset's header address flipped past the end.
            ("keras_weights", "libhdf5-hang-empty-free-space",
             "variable 'optimizer/vars': attribute 'name': corrupt HDF5 file (string attribute names global heap object"),
            ("keras_weights", "libhdf5-segv-global-heap-a", "attribute 'name': corrupt HDF5 file (a field at 2192"),
            ("keras_weights", "bad-dataset-header-address", "'optimizer/vars/2': corrupt HDF5 file (object header at"),
        ]
        for (target, name, expected) in expectations {
            let bytes = try #require(try Self.inputs(target).first { $0.name == name }?.bytes)
            let message: String
            do {
                try FuzzEntry.feed(target, bytes)
                Issue.record("\(target)/\(name) decoded; expected an error containing '\(expected)'")
                continue
            } catch let error as SwiftCNNError {
                message = error.message
            } catch let error as CheckpointError {
                message = error.description
            }
            #expect(message.contains(expected), "\(target)/\(name): \(message)")
        }
    }
}

/// The reader calls of each fuzz target in `Tools/fuzz/targets`, kept in step with them.
enum FuzzEntry {
    static func feed(_ target: String, _ bytes: [UInt8]) throws {
        switch target {
        case "cifar10":
            let records = try CIFAR10.recordCount(path: "fuzz.bin", size: bytes.count)
            var images = [Float](repeating: 0, count: records * 32 * 32 * 3)
            var labels = [Float](repeating: 0, count: records)
            try bytes.withUnsafeBufferPointer { raw in
                images.withUnsafeMutableBufferPointer { i in
                    labels.withUnsafeMutableBufferPointer { l in
                        CIFAR10.decode(raw, records: records, images: i.baseAddress!, labels: l.baseAddress!)
                    }
                }
                try CIFAR10.checkLabels(raw, records: records, path: "fuzz.bin")
            }
        case "idx":
            let plain = try IDX.inflatedIfGzip(bytes, path: "fuzz.idx")
            var firstError: Error?
            for attempt in 0..<3 {
                do {
                    switch attempt {
                    case 0: _ = try IDX.decodeImages(plain, path: "fuzz.idx", limit: nil)
                    case 1: _ = try IDX.decodeImages(plain, path: "fuzz.idx", limit: 1)
                    default: _ = try IDX.decodeLabels(plain, path: "fuzz.idx", classCount: 10, limit: nil)
                    }
                } catch {
                    firstError = firstError ?? error
                }
            }
            if let firstError { throw firstError }
        case "png":
            let image = try PNG.decode(bytes, path: "fuzz.png")
            #expect(image.pixels.count == image.width * image.height * 3)
        case "image_check":
            try ImageCheckFuzzInput.run(bytes)
        case "keras_weights":
            try KerasWeightsFuzzInput.run(bytes)
        case "jpeg":
            let image = try JPEG.decode(bytes, path: "fuzz.jpg")
            #expect(image.pixels.count == image.width * image.height * 3)
        case "safetensors":
            _ = try SafeTensors.decode(bytes, file: "fuzz.safetensors")
        case "checkpoint_state":
            let state = try CheckpointState.parse(bytes, file: "checkpoint")
            _ = state.text
        case "npy":
            _ = try NPY.decode(bytes, path: "fuzz.npy")
        case "tfevents":
            var first = Tensorflow_Event()
            first.fileVersion = "brain.Event:2"
            let framed = TFRecord.frame(Array(try first.serializedData())) + TFRecord.frame(bytes)
            var firstError: Error?
            for input in [bytes, framed] {
                do { _ = try EventFile.decode(input, path: "fuzz.tfevents") } catch { firstError = firstError ?? error }
            }
            if let firstError { throw firstError }
        case "history_csv":
            _ = try HistoryCSV.decode(String(decoding: bytes, as: UTF8.self), path: "history.csv")
        case "tfbundle":
            guard bytes.count >= 4 else { return }
            let n = Int(bytes[0]) | Int(bytes[1]) << 8 | Int(bytes[2]) << 16 | Int(bytes[3]) << 24
            let indexLength = n % (bytes.count - 4 + 1)
            let index = Array(bytes[4..<(4 + indexLength)])
            _ = try? decodeBlock(index[...])
            _ = try? readTable(index)
            _ = try TensorBundle.decode(index: index, shards: [Array(bytes[(4 + indexLength)...])])
        case "tfbundle_entries":
            var records: [[UInt8]: [UInt8]] = [:]
            var i = 0
            func u16() -> Int? {
                guard i + 2 <= bytes.count else { return nil }
                defer { i += 2 }
                return Int(bytes[i]) | Int(bytes[i + 1]) << 8
            }
            func take(_ n: Int) -> [UInt8] {
                let end = min(bytes.count, i + n)
                defer { i = end }
                return Array(bytes[i..<end])
            }
            while let keyLength = u16(), keyLength != 0xFFFF {
                let key = take(keyLength)
                let value = take(u16() ?? 0)
                if records[key] == nil { records[key] = value }
            }
            var table = TableWriter()
            for key in records.keys.sorted(by: { bytewiseLess($0, $1) }) { table.add(key: key, value: records[key]!) }
            _ = try TensorBundle.decode(index: table.finish(), shards: [Array(bytes[min(i, bytes.count)...])])
        case "objectgraph":
            let model = Sequential {
                Conv2D(2, kernelSize: (3, 3))
                BatchNormalization()
                Flatten()
                Dense(3)
            }
            try model.build(inputShape: [4, 4, 1])
            let variables = KerasObjectGraph(model: model).variables.map {
                (key: $0.key, tensor: CheckpointTensor(floats: $0.parameter.value.scalars, shape: $0.parameter.shape))
            }
            let dir = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let prefix = dir + "/model.ckpt"
            try TensorBundle.write(
                variables + [(KerasObjectGraph.graphKey, CheckpointTensor(strings: [bytes], shape: []))], prefix: prefix)
            try KerasCheckpoint.load(into: model, prefix: prefix)
        case "keras_zip":
            _ = try ZipArchive.read(
                bytes, entries: ["metadata.json", "config.json", "model.weights.h5"], limit: 1 << 20, file: "fuzz.keras")
        case "keras_config":
            _ = try KerasModelConfig(json: bytes, file: "fuzz.keras")
        case "image_folder":
            let dir = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FolderFuzzInput.run(bytes, in: dir)
        case "labels_file":
            _ = try ImageFiles.parseLabels(String(decoding: bytes, as: UTF8.self), file: "labels.txt")
        default:
            Issue.record("unknown fuzz target \(target)")
        }
    }
}
