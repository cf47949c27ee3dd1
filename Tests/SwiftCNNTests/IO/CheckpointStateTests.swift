import Foundation
import Testing

@testable import SwiftCNN

@Suite struct CheckpointStateTests {
    /// What tf-keras 2.21's `model.save_weights("checkpoint/Baseline.ckpt")` writes.
    @Test func kerasSaveWeightsLayout() {
        let state = CheckpointState(modelCheckpointPath: "Baseline.ckpt")
        #expect(state.text == "model_checkpoint_path: \"Baseline.ckpt\"\nall_model_checkpoint_paths: \"Baseline.ckpt\"\n")
    }

    /// The CheckpointManager fixture parses and re-serializes byte for byte.
    @Test func managerFileRoundTrips() throws {
        let bytes = try IOFixtures.bytes("tfckpt/checkpoint")
        let state = try CheckpointState.parse(bytes)
        #expect(state.modelCheckpointPath == "ckpt-2")
        #expect(state.allModelCheckpointPaths == ["ckpt-1", "ckpt-2"])
        #expect(state.allModelCheckpointTimestamps.count == 2)
        #expect(state.lastPreservedTimestamp != nil)
        #expect(Array(state.text.utf8) == bytes)
        let dir = try IOFixtures.path("tfckpt")
        #expect(state.latestPrefix(directory: dir) == dir + "/ckpt-2")
        _ = try TensorBundle.read(prefix: state.latestPrefix(directory: dir))
    }

    @Test func escapesLikeProtobufTextFormat() throws {
        let odd = "dir with \"quotes\"/it's\\é\n.ckpt"
        let state = CheckpointState(modelCheckpointPath: odd)
        #expect(state.text.hasPrefix(#"model_checkpoint_path: "dir with \"quotes\"/it\'s\\\303\251\n.ckpt""#))
        #expect(try CheckpointState.parse(Array(state.text.utf8)) == state)
    }

    @Test func pythonReprOfTimestamps() {
        #expect(pythonRepr(1_795_915_519.1392066) == "1795915519.1392066")
        #expect(pythonRepr(1_795_915_519) == "1795915519.0")
        #expect(pythonRepr(1e-05) == "1e-05")
        #expect(pythonRepr(0.0001) == "0.0001")
        #expect(pythonRepr(1e16) == "1e+16")
        #expect(pythonRepr(1_234_567_890_123_456) == "1234567890123456.0")
        #expect(pythonRepr(-0.0) == "-0.0")
        #expect(pythonRepr(1.5e300) == "1.5e+300")
    }

    @Test func writesAndReadsDirectory() throws {
        let dir = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let state = CheckpointState(
            modelCheckpointPath: "ckpt-3", allModelCheckpointPaths: ["ckpt-2", "ckpt-3"],
            allModelCheckpointTimestamps: [1.5, 2.25], lastPreservedTimestamp: 1.0)
        try state.write(directory: dir)
        #expect(try CheckpointState.read(directory: dir) == state)
    }

    @Test func malformedFilesNameTheLine() {
        let cases = [
            "model_checkpoint_path \"x\"\n",
            "model_checkpoint_path: x\n",
            "model_checkpoint_path: \"x\n",
            "all_model_checkpoint_paths: \"x\"\n",
            "model_checkpoint_path: \"x\"\nbogus: 1\n",
            "model_checkpoint_path: \"x\"\nlast_preserved_timestamp: soon\n",
            "model_checkpoint_path: \"a\\q\"\n",
        ]
        for text in cases {
            let error = expectCheckpointError { _ = try CheckpointState.parse(Array(text.utf8), file: "ck") }
            #expect(error?.file == "ck")
        }
        expectCheckpointError { _ = try CheckpointState.parse([0xff, 0xfe]) }
    }
}
