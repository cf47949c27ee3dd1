import Foundation

@testable import SwiftCNN

/// A fresh temporary folder for one test.
func makeDataTestDirectory(_ name: String = #function) throws -> String {
    let base =
        NSTemporaryDirectory() + "swiftcnn-data-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
    return base
}

func writeDataTestFile(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// The message of the `SwiftCNNError` that `body` throws, or a failure note.
func thrownMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "(no error thrown)"
    } catch let error as SwiftCNNError {
        return error.message
    } catch {
        return "(unexpected error \(error))"
    }
}

/// A synthetic CIFAR-10 record: label, then pixel (plane c, index p) = (p + 7c + label) % 256.
func cifarRecord(label: UInt8) -> [UInt8] {
    var record: [UInt8] = [label]
    for c in 0..<3 { for p in 0..<1024 { record.append(UInt8((p + 7 * c + Int(label)) % 256)) } }
    return record
}

/// An IDX file's bytes: magic 0x000008<rank>, big-endian dims, then the data.
func idxBytes(rank: UInt8, dims: [Int], data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, 0x08, rank]
    for d in dims {
        bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)]
    }
    return bytes + data
}
