import Foundation
import Testing

@testable import SwiftCNN

/// `raw/mixed.json`, written by Tools/make_checkpoint_fixtures.py.
private struct Manifest: Decodable {
    struct Tensor: Decodable {
        var key: String
        var dtype: String
        var shape: [Int]
        var values: [Value]
    }

    enum Value: Decodable {
        case bool(Bool), number(Double), bytes([UInt8])
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                self = .bool(b)
            } else if let d = try? c.decode(Double.self) {
                self = .number(d)
            } else {
                self = .bytes(try c.decode([UInt8].self))
            }
        }
    }

    var written_order: [String]
    var tensors: [Tensor]
}

/// The tensor a manifest entry describes, built independently of the reader.
private func expectedTensor(_ t: Manifest.Tensor) throws -> CheckpointTensor {
    func numbers() -> [Double] { t.values.compactMap { if case .number(let d) = $0 { d } else { nil } } }
    switch t.dtype {
    case "float32": return CheckpointTensor(floats: numbers().map { Float($0) }, shape: t.shape)
    case "float64":
        return CheckpointTensor(dtype: .float64, shape: t.shape, bytes: littleEndianBytes(numbers().map { $0.bitPattern }))
    case "int64": return CheckpointTensor(int64s: numbers().map { Int64($0) }, shape: t.shape)
    case "int32": return CheckpointTensor(int32s: numbers().map { Int32($0) }, shape: t.shape)
    case "uint8": return CheckpointTensor(dtype: .uint8, shape: t.shape, bytes: numbers().map { UInt8($0) })
    case "bool":
        let bits = t.values.compactMap { if case .bool(let b) = $0 { UInt8(b ? 1 : 0) } else { nil } }
        return CheckpointTensor(dtype: .bool, shape: t.shape, bytes: bits)
    case "string":
        return CheckpointTensor(strings: t.values.compactMap { if case .bytes(let b) = $0 { b } else { nil } }, shape: t.shape)
    default:
        throw CheckpointError(file: "mixed.json", variable: t.key, message: "unknown dtype \(t.dtype)")
    }
}

@Suite struct TensorBundleTests {
    /// Every dtype and shape the models use, plus float special values whose
    /// bits must survive unchanged.
    static let sample: [(key: String, tensor: CheckpointTensor)] = [
        ("conv2d/kernel", CheckpointTensor(floats: (0..<450).map { Float($0) * 0.013 - 2 }, shape: [5, 5, 3, 6])),
        ("conv2d/bias", CheckpointTensor(floats: [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude], shape: [6])),
        ("dense/kernel", CheckpointTensor(floats: (0..<12).map { Float($0) / 7 }, shape: [3, 4])),
        ("nan", CheckpointTensor(dtype: .float32, shape: [2], bytes: [0x01, 0x00, 0xc0, 0x7f, 0xff, 0xff, 0xff, 0xff])),
        ("scalar", CheckpointTensor(floats: [3.5], shape: [])),
        ("empty", CheckpointTensor(floats: [], shape: [0, 3])),
        ("empty4d", CheckpointTensor(floats: [], shape: [3, 3, 0, 8])),
        ("save_counter", CheckpointTensor(int64s: [2], shape: [])),
        ("steps", CheckpointTensor(int64s: [.min, -1, 0, .max], shape: [4])),
        ("labels", CheckpointTensor(int32s: [1, -2, 3, .max, .min, 0], shape: [2, 3])),
        ("graph", CheckpointTensor(strings: [Array("object graph".utf8)], shape: [])),
        ("names", CheckpointTensor(strings: [[], [0, 1, 2], [UInt8](repeating: 7, count: 300)], shape: [3])),
    ]

    @Test func roundTripsBitForBit() throws {
        let (index, data) = try TensorBundle.encode(Self.sample)
        let entries = try TensorBundle.decode(index: index, shards: [data])
        let expected = Self.sample.sorted { bytewiseLess(Array($0.key.utf8), Array($1.key.utf8)) }
        #expect(entries.map(\.key) == expected.map(\.key))
        for (entry, item) in zip(entries, expected) {
            #expect(entry.tensor == item.tensor, "\(item.key)")
        }
        let floats = try #require(entries.first { $0.key == "conv2d/bias" }?.tensor.floats)
        #expect(floats[1].sign == .minus && floats[1] == 0)
    }

    @Test func writesAndReadsFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prefix = dir + "/checkpoint/Baseline.ckpt"
        try TensorBundle.write(Self.sample, prefix: prefix)
        #expect(FileManager.default.fileExists(atPath: prefix + ".index"))
        #expect(FileManager.default.fileExists(atPath: prefix + ".data-00000-of-00001"))
        let names = try FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoint").sorted()
        #expect(names == ["Baseline.ckpt.data-00000-of-00001", "Baseline.ckpt.index"])
        let entries = try TensorBundle.read(prefix: prefix)
        #expect(entries.count == Self.sample.count)
        // Overwriting replaces both files.
        try TensorBundle.write([("only", CheckpointTensor(floats: [1], shape: [1]))], prefix: prefix)
        #expect(try TensorBundle.read(prefix: prefix).map(\.key) == ["only"])
    }

    @Test func rejectsBadKeys() {
        let t = CheckpointTensor(floats: [1], shape: [1])
        let dup = expectCheckpointError { _ = try TensorBundle.encode([("a", t), ("a", t)]) }
        #expect(dup?.variable == "a")
        #expect(dup?.message.contains("duplicate") == true)
        let empty = expectCheckpointError { _ = try TensorBundle.encode([("", t)]) }
        #expect(empty?.message.contains("reserved") == true)
    }

    @Test func missingFileNamesIt() {
        let error = expectCheckpointError { _ = try TensorBundle.read(prefix: "/nonexistent/dir/model.ckpt") }
        #expect(error?.file == "/nonexistent/dir/model.ckpt.index")
    }

    @Test func readsTensorFlowFixtureValues() throws {
        let manifest = try JSONDecoder().decode(Manifest.self, from: Data(IOFixtures.bytes("raw/mixed.json")))
        let entries = try TensorBundle.read(prefix: IOFixtures.path("raw/mixed"))
        #expect(entries.count == manifest.tensors.count)
        let byKey = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.tensor) })
        for t in manifest.tensors {
            let actual = try #require(byKey[t.key], "missing \(t.key)")
            #expect(actual == (try expectedTensor(t)), "\(t.key)")
        }
    }

    @Test func readsTensorFlowObjectCheckpoint() throws {
        for (n, delta) in [(1, Float(0)), (2, Float(1))] {
            let entries = try TensorBundle.read(prefix: IOFixtures.path("tfckpt/ckpt-\(n)"))
            let byKey = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.tensor) })
            #expect(byKey["save_counter/.ATTRIBUTES/VARIABLE_VALUE"]?.int64s == [Int64(n)])
            #expect(byKey["step/.ATTRIBUTES/VARIABLE_VALUE"]?.int64s == [42])
            let w = try #require(byKey["w/.ATTRIBUTES/VARIABLE_VALUE"])
            #expect(w.shape == [2, 3])
            let expected = (0..<6).map { i in Float(sin(Double(i) * 1.7 + 1) * pow(10, Double(i % 7 - 3))) + delta }
            #expect(w.floats == expected)
            #expect(byKey["empty/.ATTRIBUTES/VARIABLE_VALUE"]?.shape == [0, 4])
            let graphTensor = try #require(byKey["_CHECKPOINTABLE_OBJECT_GRAPH"])
            #expect(graphTensor.dtype == .string && graphTensor.shape == [])
            let graph = try Tensorflow_TrackableObjectGraph(serializedBytes: graphTensor.strings[0])
            #expect(graph.nodes[0].children.map(\.localName).sorted() == ["empty", "save_counter", "step", "w"])
        }
    }

    /// SwiftCNN's writer, given the tensors TensorFlow wrote (in TensorFlow's
    /// data-file order), reproduces both files byte for byte.
    @Test(arguments: ["raw/mixed", "tfckpt/ckpt-1", "tfckpt/ckpt-2"])
    func goldenBytesMatchTensorFlow(prefix: String) throws {
        let index = try IOFixtures.bytes(prefix + ".index")
        let data = try IOFixtures.bytes(prefix + ".data-00000-of-00001")
        let layout = try TensorBundle.decodeWithLayout(index: index, shards: [data])
        // Sort by data offset; empty tensors share an offset with their
        // successor, so ties keep the order in which sizes accumulate.
        let ordered = layout.enumerated().sorted { a, b in
            a.element.offset != b.element.offset
                ? a.element.offset < b.element.offset
                : (sizeOf(a.element.entry.tensor), a.offset) < (sizeOf(b.element.entry.tensor), b.offset)
        }.map { (key: $0.element.entry.key, tensor: $0.element.entry.tensor) }
        let (swiftIndex, swiftData) = try TensorBundle.encode(ordered)
        #expect(swiftData == data)
        #expect(swiftIndex == index)
    }

    private func sizeOf(_ t: CheckpointTensor) -> Int { t.dtype == .string ? 1 : t.bytes.count }
}
