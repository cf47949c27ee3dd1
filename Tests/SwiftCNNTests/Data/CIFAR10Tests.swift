import Foundation
import Testing

@testable import SwiftCNN

@Suite struct CIFAR10Tests {
    /// Writes data_batch_1…5 (`perFile` records each) and test_batch into a new folder.
    func makeCIFAR(perFile: Int = 2) throws -> String {
        let dir = try makeDataTestDirectory()
        for (i, name) in (CIFAR10.fileNames(for: .train) + CIFAR10.fileNames(for: .test)).enumerated() {
            var bytes: [UInt8] = []
            for r in 0..<perFile { bytes += cifarRecord(label: UInt8((i + r) % 10)) }
            try writeDataTestFile(bytes, dir + "/" + name)
        }
        return dir
    }

    @Test func loadsPlanarRecordsAsNHWC() throws {
        let dir = try makeCIFAR()
        let train = try CIFAR10.load(split: .train, directory: dir)
        #expect(train.images.shape == [10, 32, 32, 3])
        #expect(train.labels.scalars == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5])
        #expect(train.classNames == CIFAR10.defaultClassNames)
        let x = train.images.scalars
        // Record 3 (label 2), pixel p = 5 (row 0, col 5), channel c: (p + 7c + label) / 255.
        let base = 3 * 3072 + 5 * 3
        #expect(x[base] == Float(5 + 2) / 255)
        #expect(x[base + 1] == Float(5 + 7 + 2) / 255)
        #expect(x[base + 2] == Float(5 + 14 + 2) / 255)
        let test = try CIFAR10.load(split: .test, directory: dir)
        #expect(test.count == 2)
        #expect(test.labels.scalars == [5, 6])
    }

    @Test func limitStopsAcrossFiles() throws {
        let dir = try makeCIFAR(perFile: 3)
        let train = try CIFAR10.load(split: .train, directory: dir, limit: 4)
        #expect(train.images.shape == [4, 32, 32, 3])
        #expect(train.labels.scalars == [0, 1, 2, 1])
    }

    @Test func readsClassNamesFromMeta() throws {
        let dir = try makeCIFAR(perFile: 1)
        let names = (0..<10).map { "class\($0)" }
        try writeDataTestFile(Array((names.joined(separator: "\n") + "\n\n").utf8), dir + "/batches.meta.txt")
        #expect(try CIFAR10.load(split: .test, directory: dir).classNames == names)
        try writeDataTestFile(Array("a\nb\n".utf8), dir + "/batches.meta.txt")
        let message = thrownMessage { _ = try CIFAR10.load(split: .test, directory: dir) }
        #expect(message.hasPrefix(dir + "/batches.meta.txt: expected 10 class names"), "\(message)")
    }

    @Test func truncatedRecordNamesFileAndRecord() throws {
        let dir = try makeCIFAR()
        let path = dir + "/data_batch_3.bin"
        try writeDataTestFile(cifarRecord(label: 1) + cifarRecord(label: 2).prefix(100), path)
        let message = thrownMessage { _ = try CIFAR10.load(split: .train, directory: dir) }
        #expect(message.hasPrefix(path + ": truncated record 1"), "\(message)")
    }

    @Test func badLabelNamesFileAndRecord() throws {
        let dir = try makeCIFAR()
        let path = dir + "/test_batch.bin"
        try writeDataTestFile(cifarRecord(label: 3) + cifarRecord(label: 12), path)
        let message = thrownMessage { _ = try CIFAR10.load(split: .test, directory: dir) }
        #expect(message.hasPrefix(path + ": record 1"), "\(message)")
        #expect(message.contains("label 12"), "\(message)")
    }

    @Test func emptyAndMissingFiles() throws {
        let dir = try makeCIFAR()
        try writeDataTestFile([], dir + "/test_batch.bin")
        let empty = thrownMessage { _ = try CIFAR10.load(split: .test, directory: dir) }
        #expect(empty.hasPrefix(dir + "/test_batch.bin: empty file"), "\(empty)")
        try FileManager.default.removeItem(atPath: dir + "/data_batch_5.bin")
        let missing = thrownMessage { _ = try CIFAR10.load(split: .train, directory: dir) }
        #expect(missing.hasPrefix(dir + "/data_batch_5.bin: cannot open"), "\(missing)")
    }

    @Test func shuffledIsDeterministicAndKeepsPairs() throws {
        let dir = try makeCIFAR(perFile: 4)
        let train = try CIFAR10.load(split: .train, directory: dir)
        let a = train.shuffled(seed: 42)
        let b = train.shuffled(seed: 42)
        let c = train.shuffled(seed: 7)
        #expect(a.labels.scalars == b.labels.scalars)
        #expect(a.images.scalars == b.images.scalars)
        #expect(a.labels.scalars.sorted() == train.labels.scalars.sorted())
        #expect(a.labels.scalars != c.labels.scalars || a.images.scalars != c.images.scalars)
        // Each image still sits beside its own label: pixel 0 of channel 0 is label / 255.
        let x = a.images.scalars
        let y = a.labels.scalars
        for i in 0..<a.count { #expect(x[i * 3072] == y[i] / 255) }
        #expect(train.prefix(3).count == 3)
        #expect(train.limited(to: nil).count == 20)
    }
}
