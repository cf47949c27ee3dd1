import Foundation
import Testing

@testable import SwiftCNN

/// Checkpoints that are valid bundles but carry a hostile or inconsistent
/// object graph, and write failures: errors, never traps or partial state.
@Suite struct HostileCheckpointTests {
    private typealias Node = Tensorflow_TrackableObjectGraph.TrackableObject

    private func edge(_ name: String, _ id: Int32) -> Node.ObjectReference {
        var e = Node.ObjectReference()
        e.localName = name
        e.nodeID = id
        return e
    }

    /// A Baseline checkpoint whose object graph tensor is replaced.
    private func checkpoint(graphTensor: CheckpointTensor, in dir: String) throws -> (Model, String) {
        let model = Baseline()
        try model.build(inputShape: [4, 4, 3])
        try model.saveWeights(dir + "/m.ckpt")
        var entries = try TensorBundle.read(prefix: dir + "/m.ckpt").map { (key: $0.key, tensor: $0.tensor) }
        entries.removeAll { $0.key == KerasObjectGraph.graphKey }
        entries.append((KerasObjectGraph.graphKey, graphTensor))
        try TensorBundle.write(entries, prefix: dir + "/hostile.ckpt")
        return (model, dir + "/hostile.ckpt")
    }

    private func graphTensor(_ nodes: [Node]) throws -> CheckpointTensor {
        var graph = Tensorflow_TrackableObjectGraph()
        graph.nodes = nodes
        return CheckpointTensor(strings: [try graph.serializedBytes()], shape: [])
    }

    @Test func hostileGraphsAreRejected() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var selfLoop = Node()
        selfLoop.children = [edge("c1", 0), edge("root", 0)]
        var outOfRange = Node()
        outOfRange.children = [edge("c1", 999)]
        var negative = Node()
        negative.children = [edge("c1", -1)]
        var extra = Node()
        extra.children = [edge("bogus", 1)]
        var variable = Node()
        var attribute = Node.SerializedTensor()
        attribute.name = "VARIABLE_VALUE"
        attribute.checkpointKey = "c1/kernel/.ATTRIBUTES/VARIABLE_VALUE"
        variable.attributes = [attribute]
        let cases: [CheckpointTensor] = [
            try graphTensor([]),
            try graphTensor([selfLoop]),
            try graphTensor([outOfRange]),
            try graphTensor([negative]),
            try graphTensor([extra, variable]),
            CheckpointTensor(strings: [[0xff, 0xff, 0xff]], shape: []),
            CheckpointTensor(strings: [[], []], shape: [2]),
            CheckpointTensor(floats: [1], shape: [1]),
        ]
        for tensor in cases {
            let (model, prefix) = try checkpoint(graphTensor: tensor, in: dir)
            let before = model.namedParameters.map { $0.parameter.value.scalars }
            let target = Baseline()
            try target.build(inputShape: [4, 4, 3])
            let targetBefore = target.namedParameters.map { $0.parameter.value.scalars }
            let error = expectCheckpointError { try target.loadWeights(prefix) }
            #expect(error?.file == prefix + ".index")
            #expect(target.namedParameters.map { $0.parameter.value.scalars } == targetBefore)
            #expect(model.namedParameters.map { $0.parameter.value.scalars } == before)
        }
    }

    /// Without an object graph the keys tf.keras would use are looked up.
    @Test func bundleWithoutGraphUsesKerasKeys() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let source = Baseline()
        source.seed = 4
        try source.build(inputShape: [4, 4, 3])
        try source.saveWeights(dir + "/m.ckpt")
        let entries = try TensorBundle.read(prefix: dir + "/m.ckpt").filter { $0.key != KerasObjectGraph.graphKey }
        try TensorBundle.write(entries.map { (key: $0.key, tensor: $0.tensor) }, prefix: dir + "/plain.ckpt")
        let target = Baseline()
        try target.build(inputShape: [4, 4, 3])
        try target.loadWeights(dir + "/plain.ckpt")
        #expect(
            target.namedParameters.map { $0.parameter.value.scalars }
                == source.namedParameters.map { $0.parameter.value.scalars })
    }

    /// A failed write reports the file and leaves no temporary behind; the
    /// old file at the destination is untouched.
    @Test func failedWritesLeaveNoDebris() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The destination is a non-empty directory: rename(2) must fail.
        try FileManager.default.createDirectory(atPath: dir + "/weights.txt/keep", withIntermediateDirectories: true)
        let error = expectCheckpointError { try WeightsText.write([("v:0", [1], [1])], to: dir + "/weights.txt") }
        #expect(error?.file == dir + "/weights.txt")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["weights.txt"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/weights.txt") == ["keep"])

        try WeightsText.write([("old:0", [1], [1])], to: dir + "/ok.txt")
        try FileManager.default.createDirectory(atPath: dir + "/ok.txt.d", withIntermediateDirectories: true)
        // A file in place of the parent directory makes the write fail early.
        let blocked = expectCheckpointError {
            try WeightsText.write([("v:0", [1], [1])], to: dir + "/ok.txt/inner.txt")
        }
        #expect(blocked != nil)
        #expect(try String(contentsOfFile: dir + "/ok.txt", encoding: .utf8) == "old:0\n(1,)\n[1.]\n")
    }
}
