import CHDF5
import Foundation
import Testing

@testable import SwiftCNN

/// Corrupt `.weights.h5` files: libhdf5 1.10 loops forever or reads outside its heap on
/// some (a damaged global heap behind a string attribute), so these are the cases that
/// once hung or crashed, and random damage that must end in one clear error or in a load
/// that differs from the clean file only in the damaged values.
@Suite struct KerasWeightsCorruptionTests {
    static let fixture = "global_pooling"

    static func model() throws -> Model { try Keras3Fixtures.built(fixture) }

    static func bytes() throws -> [UInt8] { try readWholeFile(try Keras3Fixtures.path("\(fixture).weights.h5")) }

    /// Where each of the model's parameters lies in the clean file (contiguous float32 values).
    static func dataRanges(_ bytes: [UInt8], model: Model) throws -> [(parameter: Parameter, start: Int)] {
        try HDF5.locked {
            let file = try HDF5File.open(bytes: bytes, name: "clean")
            var ranges: [(Parameter, Int)] = []
            for entry in Keras3Layout(model: model).entries where !entry.variables.isEmpty {
                let vars = try #require(try file.root.group(atPath: entry.varsPath))
                for (i, variable) in entry.variables.enumerated() {
                    let dataset = H5Dopen2(vars.id, "\(i)", swiftcnn_h5p_default())
                    defer { H5Dclose(dataset) }
                    ranges.append((variable.parameter, Int(H5Dget_offset(dataset))))
                }
            }
            return ranges
        }
    }

    /// The offset of the file's global heap collection (Keras's string attributes live there).
    static func globalHeap(_ bytes: [UInt8]) throws -> Int {
        try #require((0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)] == Array("GCOL".utf8)[...] })
    }

    private func expectCorrupt(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let model = try Self.model()
        let before = model.namedParameters.map { $0.parameter.value.scalars }
        do {
            try KerasWeightsFile.load(into: model, bytes: bytes, file: "bad.weights.h5")
            Issue.record("loaded; expected '\(fragment)'", sourceLocation: sourceLocation)
        } catch let error as CheckpointError {
            let line = error.description
            #expect(line.hasPrefix("bad.weights.h5: "), "\(line)", sourceLocation: sourceLocation)
            #expect(line.contains(fragment), "\(line)", sourceLocation: sourceLocation)
            #expect(!line.contains("\n"), sourceLocation: sourceLocation)
        }
        #expect(model.namedParameters.map { $0.parameter.value.scalars } == before, sourceLocation: sourceLocation)
    }

    /// A heap object numbered 0 (free space) of size 0: libhdf5's heap decoder never
    /// advances past it (H5HG__cache_heap_deserialize), and H5Aread never returned.
    @Test func emptyFreeSpaceInTheGlobalHeapIsAnError() throws {
        var bytes = try Self.bytes()
        let heap = try Self.globalHeap(bytes)
        let first = heap + 16
        for i in 0..<2 { bytes[first + i] = 0 }
        for i in 8..<16 { bytes[first + i] = 0 }
        try expectCorrupt(bytes, "corrupt HDF5 file (string attribute names global heap object")
    }

    /// A heap object larger than its collection, and a collection larger than the file:
    /// libhdf5 copied from outside its buffers (SIGSEGV in H5HG_read).
    @Test func heapSizesBeyondTheirBoundsAreErrors() throws {
        let clean = try Self.bytes()
        let heap = try Self.globalHeap(clean)
        var object = clean
        object[heap + 16 + 8 + 3] = 0x7F
        try expectCorrupt(object, "corrupt HDF5 file (global heap object of")
        var collection = clean
        collection[heap + 8 + 3] = 0x7F
        try expectCorrupt(collection, "corrupt HDF5 file (global heap at")
    }

    /// A dataset's object header claiming more bytes than the file has: libhdf5 fails
    /// with "actual_len exceeds EOA" and leaks the buffer, which later printed "HDF5:
    /// infinite loop closing library" at exit; it is refused before libhdf5 loads it.
    @Test func objectHeaderPastTheEndIsAnError() throws {
        var bytes = try Self.bytes()
        let header: Int = try HDF5.locked {
            let file = try HDF5File.open(bytes: bytes, name: "clean")
            let vars = try #require(try file.root.group(atPath: "layers/dense/vars"))
            var link = H5L_info_t()
            #expect(H5Lget_info(vars.id, "0", &link, swiftcnn_h5p_default()) >= 0)
            return Int(link.u.address)
        }
        bytes[header + 11] = 0x40
        try expectCorrupt(bytes, "variable 'layers/dense/vars/0': corrupt HDF5 file (object header chunk of")
    }

    /// What Keras and SwiftCNN write still reads: the optimizer's name comes from the heap.
    @Test func readsTheOptimizerNameFromTheHeap() throws {
        let name = try HDF5.locked {
            let file = try HDF5File.open(bytes: try Self.bytes(), name: "clean")
            return try #require(try file.root.group(atPath: "optimizer/vars")).stringAttribute("name")
        }
        #expect(name?.hasPrefix("adam") == true, "\(name ?? "nil")")
    }

    /// 300 files with 8 bytes flipped each (about 1 in 40 such files hung or segfaulted
    /// libhdf5 when every `name` attribute was read with H5Aread). Each either fails with
    /// one line naming the file, or loads exactly the clean file's values except those
    /// whose bytes were flipped, which no `.weights.h5` can detect (h5py writes no checksums).
    @Test func corruptBytesNeverCrashHangOrLoadSilently() throws {
        let clean = try Self.bytes()
        let reference = try Self.model()
        try KerasWeightsFile.load(into: reference, bytes: clean, file: "clean")
        let ranges = try Self.dataRanges(clean, model: reference)
        let referenceValues = reference.namedParameters.map { $0.parameter.value.scalars }
        var loads = 0
        for seed in 0..<300 {
            var generator = RandomGenerator(seed: UInt64(seed))
            var damaged = clean
            var flipped = Set<Int>()
            for _ in 0..<8 {
                let at = Int.random(in: 8..<damaged.count, using: &generator)
                damaged[at] ^= 0xFF
                flipped.formSymmetricDifference([at])
            }
            let model = try Self.model()
            do {
                try KerasWeightsFile.load(into: model, bytes: damaged, file: "damaged.weights.h5")
            } catch let error as CheckpointError {
                #expect(error.file == "damaged.weights.h5")
                #expect(!error.description.contains("\n"), "\(error)")
                continue
            }
            loads += 1
            for (index, (_, parameter)) in model.namedParameters.enumerated() {
                let start = try #require(ranges.first { $0.parameter === reference.namedParameters[index].parameter }).start
                for (k, value) in parameter.value.scalars.enumerated() {
                    let hit = (0..<4).contains { flipped.contains(start + 4 * k + $0) }
                    #expect(
                        (value.bitPattern != referenceValues[index][k].bitPattern) == hit,
                        "seed \(seed): \(reference.namedParameters[index].path)[\(k)] loaded silently wrong")
                }
            }
        }
        // Most flips land in the values or in slack, so a fair share loads.
        #expect(loads > 0)
    }
}
