import Foundation
import Testing

@testable import SwiftCNN

@Suite struct DatasetLocatorTests {
    func makeCIFARFiles(in dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in CIFAR10.fileNames(for: .train) + CIFAR10.fileNames(for: .test) {
            try writeDataTestFile(cifarRecord(label: 1), dir + "/" + name)
        }
    }

    func locator(explicit: String? = nil, env: String? = nil, cache: String) -> DatasetLocator {
        DatasetLocator(
            explicitDirectory: explicit, environmentDirectory: env, cacheRoot: cache,
            systemDirectories: [:],
            allowDownload: false)
    }

    @Test func explicitDirectoryAndBatchesBinSubfolder() throws {
        let root = try makeDataTestDirectory()
        try makeCIFARFiles(in: root + "/cifar-10-batches-bin")
        #expect(
            try locator(explicit: root, cache: root + "/cache").locate(.cifar10) == root
                + "/cifar-10-batches-bin")
        #expect(
            try locator(explicit: root + "/cifar-10-batches-bin", cache: root + "/cache").locate(.cifar10)
                == root + "/cifar-10-batches-bin")
    }

    @Test func environmentThenCache() throws {
        let root = try makeDataTestDirectory()
        try makeCIFARFiles(in: root + "/env/cifar10")
        try makeCIFARFiles(in: root + "/cache/cifar10")
        #expect(
            try locator(env: root + "/env", cache: root + "/cache").locate(.cifar10) == root
                + "/env/cifar10")
        #expect(try locator(cache: root + "/cache").locate(.cifar10) == root + "/cache/cifar10")
    }

    @Test func explicitDirectoryDoesNotFallBack() throws {
        let root = try makeDataTestDirectory()
        try makeCIFARFiles(in: root + "/cache/cifar10")
        let message = thrownMessage {
            _ = try locator(explicit: root + "/empty", cache: root + "/cache").locate(.cifar10)
        }
        #expect(message.hasPrefix("CIFAR-10 not found (looked in --data \(root)/empty)"), "\(message)")
    }

    @Test func notFoundSaysWhereToPutFiles() throws {
        let root = try makeDataTestDirectory()
        let cifar = thrownMessage { _ = try locator(cache: root + "/cache").locate(.cifar10) }
        #expect(cifar.contains("Put data_batch_1.bin"), "\(cifar)")
        #expect(cifar.contains("\(root)/cache/cifar10/"), "\(cifar)")
        #expect(!cifar.contains("\n"))
        let fashion = thrownMessage { _ = try locator(cache: root + "/cache").locate(.fashionMNIST) }
        #expect(fashion.contains("apt-get install dataset-fashion-mnist"), "\(fashion)")
        #expect(fashion.contains("\(root)/cache/fashion-mnist/"), "\(fashion)")
    }

    @Test func findsGzipIDXInSystemFolder() throws {
        let root = try makeDataTestDirectory()
        for split in DatasetSplit.allCases {
            let stems = IDX.fileStems(for: split)
            try writeDataTestFile(
                try Gzip.compress(idxBytes(rank: 3, dims: [1, 2, 2], data: [0, 1, 2, 3])),
                "\(root)/\(stems.images).gz")
            try writeDataTestFile(
                try Gzip.compress(idxBytes(rank: 1, dims: [1], data: [4])), "\(root)/\(stems.labels).gz")
        }
        let l = DatasetLocator(
            explicitDirectory: nil, environmentDirectory: nil, cacheRoot: root + "/cache",
            systemDirectories: [.fashionMNIST: [root]], allowDownload: false)
        let data = try Dataset.load(.fashionMNIST, split: .train, locator: l)
        #expect(data.images.shape == [1, 2, 2, 1])
        #expect(data.classNames[4] == "Coat")
    }
}
