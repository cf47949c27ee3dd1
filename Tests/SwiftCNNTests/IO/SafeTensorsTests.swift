import Foundation
import Testing

@testable import SwiftCNN

@Suite struct SafeTensorsTests {
    private static let fixture = "safetensors/mixed.safetensors"

    @Test func readsReferenceFile() throws {
        let contents = try SafeTensors.read(path: IOFixtures.path(Self.fixture))
        #expect(contents.metadata == ["format": "np"])
        #expect(contents.tensors.map(\.name) == ["step", "c1.bias", "c1.kernel", "empty", "f1.kernel", "scalar", "labels", "mask"])
        let byName = Dictionary(uniqueKeysWithValues: contents.tensors.map { ($0.name, $0.tensor) })
        // values_for((6,), float32, seed 1) in the fixture script.
        let bias: [Float] = (0..<6).map { (i: Int) -> Float in
            let magnitude: Double = pow(10, Double(i % 7 - 3))
            return Float(sin(Double(i) * 1.7 + 1) * magnitude)
        }
        #expect(byName["c1.bias"]?.floats == bias)
        #expect(byName["c1.kernel"]?.shape == [5, 5, 3, 6])
        #expect(byName["scalar"]?.floats == [2.5])
        #expect(byName["empty"]?.shape == [0, 3])
        let step: Int64 = (-5000 + 3) * 1_000_003
        #expect(byName["step"]?.int64s == [step])
        let labels: [Int32] = (0..<6).map { (i: Int) -> Int32 in Int32(i * 7919 - 4996) }
        #expect(byName["labels"]?.int32s == labels)
        #expect(byName["mask"]?.bytes == [0, 1, 0, 0, 1])
    }

    /// SwiftCNN writes the reference implementation's bytes exactly.
    @Test func writerMatchesReferenceBytes() throws {
        let reference = try IOFixtures.bytes(Self.fixture)
        let contents = try SafeTensors.decode(reference)
        let shuffled = contents.tensors.reversed().map { (name: $0.name, tensor: $0.tensor) }
        #expect(try SafeTensors.encode(shuffled, metadata: contents.metadata) == reference)
    }

    @Test func roundTripsThroughFiles() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/model.safetensors"
        let tensors: [(name: String, tensor: CheckpointTensor)] = TensorBundleTests.sample.filter { $0.tensor.dtype != .string }
            .map { (name: $0.key, tensor: $0.tensor) }
        try SafeTensors.write(tensors, metadata: ["a": "1", "é": "\"q\"\n"], to: path)
        let back = try SafeTensors.read(path: path)
        #expect(back.metadata == ["a": "1", "é": "\"q\"\n"])
        #expect(Set(back.tensors.map(\.name)) == Set(tensors.map(\.name)))
        for (name, tensor) in tensors {
            #expect(back.tensors.first { $0.name == name }?.tensor == tensor)
        }
    }

    @Test func rejectsStringsAndDuplicates() {
        let s = CheckpointTensor(strings: [[1]], shape: [1])
        let f = CheckpointTensor(floats: [1], shape: [1])
        expectCheckpointError { _ = try SafeTensors.encode([("s", s)]) }
        expectCheckpointError { _ = try SafeTensors.encode([("f", f), ("f", f)]) }
        expectCheckpointError { _ = try SafeTensors.encode([("__metadata__", f)]) }
    }

    private func file(header: String, data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendFixed64(UInt64(header.utf8.count))
        return out + Array(header.utf8) + data
    }

    @Test func invalidFilesAreRejected() throws {
        let four = [UInt8](repeating: 0, count: 4)
        let bad: [(String, [UInt8])] = [
            ("{}", four),  // data not covered
            ("[1]", []),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", four),
            ("{\"a\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", four),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", four),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", four),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", four),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", [0, 0]),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", four),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", four),
            ("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", four),
            ("{\"__metadata__\":{\"k\":1}}", []),
            ("{\"a\":", four),
        ]
        for (header, data) in bad {
            expectCheckpointError { _ = try SafeTensors.decode(file(header: header, data: data), file: "x.safetensors") }
        }
        // Header length beyond the file, and a file too short for it.
        var huge: [UInt8] = []
        huge.appendFixed64(UInt64.max)
        expectCheckpointError { _ = try SafeTensors.decode(huge + [0x7b]) }
        expectCheckpointError { _ = try SafeTensors.decode([1, 2, 3]) }
    }

    @Test func truncationAndFlipsNeverTrap() throws {
        let reference = try IOFixtures.bytes(Self.fixture)
        let headerEnd = 8 + Int(reference[0]) + Int(reference[1]) << 8
        for length in 0..<headerEnd + 1 {
            expectCheckpointError { _ = try SafeTensors.decode(Array(reference[..<length])) }
        }
        for position in 0..<headerEnd {
            var damaged = reference
            damaged[position] ^= 0x04
            _ = try? SafeTensors.decode(damaged)
        }
    }
}
