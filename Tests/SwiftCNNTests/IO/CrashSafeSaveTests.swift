import Foundation
import Testing

@testable import SwiftCNN

/// A save killed between any two of its system calls must leave a checkpoint that loads:
/// the old one, the new one, or (when the kill split the data from the index) the
/// previous copy the writer kept. Each test stops the writer after every possible step,
/// as `kill -9` would, and loads what is left.
@Suite struct CrashSafeSaveTests {
    /// A compiled model whose every parameter is `value`, compiled with Adam.
    private func model(filledWith value: Float) throws -> Model {
        let model = Sequential {
            Conv2D(2, kernelSize: 3, padding: .same)
            BatchNormalization()
            Flatten()
            Dense(3, activation: .softmax)
        }
        try model.build(inputShape: [4, 4, 1])
        model.compile(optimizer: Adam(), loss: SparseCategoricalCrossentropy())
        for p in model.namedParameters { p.parameter.value = Tensor(shape: p.parameter.shape, repeating: value) }
        return model
    }

    /// The single value every parameter of `model` holds, or nil if they differ.
    private func generation(of model: Model) -> Float? {
        let values = Set(model.namedParameters.flatMap { $0.parameter.value.scalars })
        return values.count == 1 ? values.first : nil
    }

    private func loaded(_ prefix: String, warnings: inout [String]) throws -> Float? {
        let fresh = try model(filledWith: -1)
        var lines: [String] = []
        try KerasCheckpoint.load(into: fresh, prefix: prefix, warn: { lines.append($0) })
        warnings += lines
        return generation(of: fresh)
    }

    private func leftovers(in dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter {
            $0.contains(".tmp-") || $0.contains(FileSet.backupSuffix)
        }.sorted()
    }

    /// Stops the save of generation 2 over generation 1 after each step; every stop loads
    /// 1 or 2, the first stops load 1, the full save loads 2 and leaves nothing behind.
    @Test func bundleSaveStoppedAfterEveryStepStillLoads() throws {
        var step = 0
        var fellBack = 0
        while true {
            let dir = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let prefix = dir + "/Model.ckpt"
            try KerasCheckpoint.save(try model(filledWith: 1), prefix: prefix)
            let set = try TensorBundle.fileSet(
                KerasCheckpoint.bundleEntries(try model(filledWith: 2), prefix: prefix), prefix: prefix)
            let ran = try set.write(stoppingAfter: step)
            var warnings: [String] = []
            let value = try loaded(prefix, warnings: &warnings)
            #expect(value == 1 || value == 2, "stopped after \(ran) steps")
            if !warnings.isEmpty {
                fellBack += 1
                #expect(value == 1)
                #expect(warnings.count == 1 && warnings[0].contains("Model.ckpt-previous"), "\(warnings)")
            }
            // The next save, uninterrupted, cleans up whatever the stopped one left.
            try KerasCheckpoint.save(try model(filledWith: 3), prefix: prefix)
            #expect(try loaded(prefix, warnings: &warnings) == 3)
            let left = try leftovers(in: dir)
            #expect(left == [], "stopped after \(ran) steps")
            if ran < step { break }
            step += 1
        }
        // Two temporaries, two links, a sync, two renames, a sync, two unlinks and a sync.
        #expect(step - 1 == 11)
        // Only the stop between the two renames leaves a torn bundle.
        #expect(fellBack == 1)
    }

    /// A second save cut short after the first one was (the torn bundle is not copied over
    /// the good backup): every pair of stopping points still loads.
    @Test func twoInterruptedSavesInARowStillLoad() throws {
        let tornAfter = 5  // two temporaries, two links, a sync: between the renames.
        for second in 0...11 {
            let dir = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let prefix = dir + "/Model.ckpt"
            try KerasCheckpoint.save(try model(filledWith: 1), prefix: prefix)
            let entries2 = try KerasCheckpoint.bundleEntries(try model(filledWith: 2), prefix: prefix)
            try TensorBundle.fileSet(entries2, prefix: prefix).write(stoppingAfter: tornAfter + 1)
            #expect(!TensorBundle.isComplete(prefix))
            let entries3 = try KerasCheckpoint.bundleEntries(try model(filledWith: 3), prefix: prefix)
            try TensorBundle.fileSet(entries3, prefix: prefix).write(stoppingAfter: second)
            var warnings: [String] = []
            let value = try loaded(prefix, warnings: &warnings)
            #expect(value == 1 || value == 3, "second save stopped after \(second) steps")
        }
    }

    /// The interrupted run's state (`-last` bundle and `-last.json`) is one set: a stop at
    /// any step finds the previous state or the new one, never the new weights with the
    /// old position.
    @Test func resumeStateSavedAsOneSet() throws {
        var step = 0
        while true {
            let dir = try makeTemporaryDirectory()
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let prefix = dir + "/Model.ckpt-last"
            let first = try model(filledWith: 1)
            var history = History()
            history.append(epoch: 0, logs: ["loss": 1])
            try ResumeState(epoch: 1, history: history, best: 1, progress: nil, model: first)
                .save(with: first, prefix: prefix)
            let second = try model(filledWith: 2)
            let ran = try ResumeState(epoch: 2, history: history, best: 1, progress: nil, model: second)
                .save(with: second, prefix: prefix, stoppingAfter: step)
            var warnings: [String] = []
            let (found, state) = try #require(try ResumeState.find(prefix, warn: { warnings.append($0) }))
            #expect(warnings.isEmpty)
            let weights = try loaded(found, warnings: &warnings)
            // Epoch 1 goes with weights 1 and epoch 2 with weights 2.
            #expect(weights.map { Int($0) } == state.epoch, "stopped after \(ran) steps")
            if ran < step { break }
            step += 1
        }
        // Each of three files: a temporary, a link, a rename and an unlink; three syncs.
        #expect(step - 1 == 15)
    }

    /// A state file beside weights from another save is not used: the run continues from
    /// the best-only checkpoint with a warning instead of pairing them.
    @Test func resumeStateOfAnotherSaveIsRefused() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let prefix = dir + "/Model.ckpt-last"
        let history = History()
        let first = try model(filledWith: 1)
        try ResumeState(epoch: 1, history: history, best: 1, progress: nil, model: first).save(with: first, prefix: prefix)
        let json = try readWholeFile(prefix + ".json")
        let second = try model(filledWith: 2)
        try ResumeState(epoch: 2, history: history, best: 1, progress: nil, model: second).save(with: second, prefix: prefix)
        try AtomicFile.write(json, to: prefix + ".json")
        var warnings: [String] = []
        #expect(try ResumeState.find(prefix, warn: { warnings.append($0) }) == nil)
        #expect(warnings.count == 1 && warnings[0].contains("belongs to another save"), "\(warnings)")
    }

    /// Temporaries of a killed writer (a process that no longer runs) are removed by the
    /// next save; those of a running process are not touched.
    @Test func staleTemporariesAreRemoved() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/history.csv"
        // pid_max is at most 2^22 on Linux, so this process cannot exist.
        let stale = dir + "/.history.csv.tmp-\(Int32.max - 1)-abc"
        let live = dir + "/.history.csv.tmp-1-abc"  // pid 1 always runs
        for file in [stale, live] { #expect(FileManager.default.createFile(atPath: file, contents: Data([1]))) }
        try AtomicFile.write(Array("epoch\n".utf8), to: path)
        #expect(!FileManager.default.fileExists(atPath: stale))
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(try readWholeFile(path) == Array("epoch\n".utf8))
    }

    /// A write that fails (here: the destination is a folder) leaves no temporary behind
    /// and names the file.
    @Test func failedWriteLeavesNoTemporary() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/curves.png"
        try FileManager.default.createDirectory(atPath: path + "/occupied", withIntermediateDirectories: true)
        #expect(throws: CheckpointError.self) { try AtomicFile.write([1, 2, 3], to: path) }
        #expect(try leftovers(in: dir) == [])
    }
}
