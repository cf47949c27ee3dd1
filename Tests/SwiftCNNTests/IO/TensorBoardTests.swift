import Foundation
import Testing

@testable import SwiftCNN

@Suite struct TensorBoardTests {
    /// Bytes TensorFlow 2.21 wrote (Keras 3's TensorBoard callback): a file's first record
    /// and a `batch_loss` scalar record.
    static let tensorFlowFirstRecord = hex(
        "3e00000000000000d9d240e709000080b043c4da411a0d627261696e2e4576656e743a3252240a2274656e736f72666c6f772e636f72652e7574696c2e6576656e74735f777269746572456c9290"
    )
    static let tensorFlowScalarRecord = hex(
        "34000000000000005e33175c0986e4eeb043c4da4110012a270a250a0a62617463685f6c6f7373420a080112002204ece6be3f4a0b0a090a077363616c617273fb73fee9"
    )

    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    @Test func recordsAreByteForByteTensorFlows() throws {
        var first = Tensorflow_Event()
        first.wallTime = 1_796_280_002
        first.fileVersion = "brain.Event:2"
        first.sourceMetadata.writer = "tensorflow.core.util.events_writer"
        #expect(TFRecord.frame(Array(try first.serializedData())) == Self.tensorFlowFirstRecord)

        let scalar = Summaries.scalar(
            "batch_loss", Double(Float(bitPattern: 0x3FBE_E6EC)), step: 1, wallTime: 1_796_280_003.732698)
        #expect(TFRecord.frame(Array(try scalar.serializedData())) == Self.tensorFlowScalarRecord)

        let (events, truncated) = try EventFile.decode(
            Self.tensorFlowFirstRecord + Self.tensorFlowScalarRecord, path: "tf")
        #expect(!truncated)
        #expect(events.map(\.step) == [0, 1])
        #expect(events[1].summary.value[0].metadata.pluginData.pluginName == "scalars")
    }

    /// Trains a small model with the callback and reads its files back.
    static func trainedRun(_ directory: String, epochs: Int = 3) throws -> (TensorBoard, History, Model) {
        let model = Sequential {
            Conv2D(2, kernelSize: 3, padding: .same)
            Flatten()
            Dense(3, activation: .softmax)
        }
        model.seed = 7
        model.compile(
            optimizer: Adam(learningRate: 0.01), loss: SparseCategoricalCrossentropy(fromLogits: false),
            metrics: [SparseCategoricalAccuracy()])
        let x = try Tensor(shape: [40, 4, 4, 1], scalars: (0..<640).map { Float(($0 * 37) % 17) / 17 })
        let y = try Tensor(shape: [40], scalars: (0..<40).map { Float($0 % 3) })
        let board = try TensorBoard(logDir: directory, histogramFreq: 2, updateFreq: .batches(2))
        let history = try model.fit(
            x: x, y: y, batchSize: 8, epochs: epochs, validationData: (x, y), callbacks: [board], verbose: false)
        return (board, history, model)
    }

    static func scalars(_ events: [Tensorflow_Event], _ tag: String) -> [Int: Float] {
        var result: [Int: Float] = [:]
        for event in events {
            for value in event.summary.value where value.tag == tag {
                #expect(value.tensor.dtype == .dtFloat && value.tensor.tensorShape.dim.isEmpty)
                #expect(value.metadata.pluginData.pluginName == "scalars")
                let bits = value.tensor.tensorContent.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
                result[Int(event.step)] = Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        return result
    }

    @Test func fitWritesKerasLayout() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (board, history, model) = try Self.trainedRun(directory)
        #expect(board.trainFile == nil, "closed at the end of fit")
        let trainFile = try Self.findEventFile(directory + "/train")
        let validationFile = try Self.findEventFile(directory + "/validation")
        #expect(trainFile.contains("/train/events.out.tfevents."))
        // TensorFlow's name: events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2
        let parts = (trainFile as NSString).lastPathComponent.split(separator: ".")
        #expect(parts.count == 8 && Int(parts[3]) != nil && parts[5] == "\(getpid())" && parts[6] == "0" && parts[7] == "v2")
        let train = try EventFile.read(trainFile)
        let validation = try EventFile.read(validationFile)
        #expect(!train.truncated && !validation.truncated)
        #expect(train.events.first?.fileVersion == "brain.Event:2")

        for (key, tag, events) in [
            ("loss", "epoch_loss", train.events),
            ("sparse_categorical_accuracy", "epoch_sparse_categorical_accuracy", train.events),
            ("val_loss", "epoch_loss", validation.events),
            ("val_sparse_categorical_accuracy", "epoch_sparse_categorical_accuracy", validation.events),
        ] {
            let logged = Self.scalars(events, tag)
            #expect(logged.count == 3, "\(tag)")
            for (i, value) in history[key].enumerated() { #expect(logged[i] == Float(value), "\(key) epoch \(i)") }
        }
        #expect(Self.scalars(train.events, "epoch_learning_rate") == [0: 0.01, 1: 0.01, 2: 0.01])
        // 5 steps an epoch: batch scalars at the optimizer's even step counts.
        #expect(Self.scalars(train.events, "batch_loss").keys.sorted() == [2, 4, 6, 8, 10, 12, 14])
        #expect(Self.scalars(validation.events, "evaluation_loss_vs_iterations").keys.sorted() == [5, 10, 15])

        // Histograms on epochs 0 and 2, one per weight, counting every value.
        var histograms: [(Int64, Tensorflow_Summary.Value)] = []
        for event in train.events {
            for value in event.summary.value where value.tag.hasSuffix("/histogram") {
                histograms.append((event.step, value))
            }
        }
        #expect(histograms.count == 2 * model.weights.count)
        #expect(Set(histograms.map(\.0)) == [0, 2])
        let kernel: Tensorflow_Summary.Value = try #require(
            histograms.first { $0.1.tag == "sequential/conv2d/kernel/histogram" }?.1)
        #expect(kernel.metadata.pluginData.pluginName == "histograms")
        #expect(kernel.tensor.dtype == .dtDouble && kernel.tensor.tensorShape.dim.map(\.size) == [30, 3])
        let table = kernel.tensor.tensorContent.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
        #expect(stride(from: 2, to: 90, by: 3).map { table[$0] }.reduce(0, +) == 18)
    }

    static func findEventFile(_ folder: String) throws -> String {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.hasPrefix("events.out.tfevents.")
        }
        #expect(names.count == 1)
        return folder + "/" + (try #require(names.first))
    }

    /// A kill while a record is being appended leaves its earlier records readable.
    @Test func fileCutMidRecordKeepsCompleteRecords() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        _ = try Self.trainedRun(directory, epochs: 1)
        let path = try Self.findEventFile(directory + "/validation")
        let bytes = try readWholeFile(path)
        let whole = try EventFile.decode(bytes, path: path)
        let records = try TFRecord.records(bytes, path: path).records
        let lastStart = records.last!.startIndex - 12
        for cut in [lastStart + 1, lastStart + 8, lastStart + 12, lastStart + 13, bytes.count - 4, bytes.count - 1] {
            let cutShort = try EventFile.decode(Array(bytes[..<cut]), path: path)
            #expect(cutShort.truncated, "cut at \(cut)")
            #expect(cutShort.events == Array(whole.events.dropLast()), "cut at \(cut)")
        }
        let atBoundary = try EventFile.decode(Array(bytes[..<lastStart]), path: path)
        #expect(!atBoundary.truncated && atBoundary.events.count == whole.events.count - 1)
    }

    @Test func corruptRecordNamesTheFile() throws {
        var bytes = Self.tensorFlowFirstRecord + Self.tensorFlowScalarRecord
        bytes[Self.tensorFlowFirstRecord.count + 20] ^= 0x40
        let error = expectCheckpointError { _ = try EventFile.decode(bytes, path: "logs/train/x.v2") }
        #expect(error?.description.contains("logs/train/x.v2: record at byte 78: data checksum mismatch") == true)
        var length = Self.tensorFlowFirstRecord
        length[3] = 1
        let lengthError = expectCheckpointError { _ = try EventFile.decode(length, path: "e") }
        #expect(lengthError?.message.contains("length checksum mismatch") == true)
        let notEvents = TFRecord.frame(Array("not an event".utf8))
        #expect(expectCheckpointError { _ = try EventFile.decode(notEvents, path: "e") } != nil)
    }

    @Test func bucketsAsTensorBoard() {
        func buckets(_ values: [Float], _ count: Int) -> [Double] {
            values.withUnsafeBufferPointer { Summaries.buckets($0, count: count) }
        }
        #expect(buckets([0, 1, 2, 3], 3) == [0, 1, 1, 1, 2, 1, 2, 3, 2])
        #expect(buckets([5, 5], 3) == [5, 5, 0, 5, 5, 0, 5, 5, 2])
        #expect(buckets([], 2) == [0, 0, 0, 0, 0, 0])
        #expect(buckets([.nan, 1, .infinity, 3], 2) == [1, 2, 1, 2, 3, 1])
    }

    @Test func badSettingsAreOneLine() {
        #expect(throws: SwiftCNNError.self) { try TensorBoard(logDir: "x", histogramFreq: -1) }
        #expect(throws: SwiftCNNError.self) { try TensorBoard(logDir: "x", updateFreq: .batches(0)) }
    }
}
