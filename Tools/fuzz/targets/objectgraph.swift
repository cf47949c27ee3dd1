// libFuzzer target: the object graph of a Keras TF checkpoint, through KerasCheckpoint.load.
// Built and run by Tools/fuzz/run.sh; seeds in Tools/fuzz/corpus/objectgraph/.
import Foundation

@testable import SwiftCNN

// Input: the serialized TrackableObjectGraph. The target writes a bundle holding a small
// model's variables (under the keys tf.keras would use) plus the input as the
// `_CHECKPOINTABLE_OBJECT_GRAPH` string to a private directory (tmpfs when there is one),
// then loads it into the model, which walks the graph's edges and attributes.
nonisolated(unsafe) let model: Sequential = {
    let m = Sequential {
        Conv2D(2, kernelSize: (3, 3))
        BatchNormalization()
        Flatten()
        Dense(3)
    }
    try! m.build(inputShape: [4, 4, 1])
    return m
}()
let variables: [(key: String, tensor: CheckpointTensor)] = KerasObjectGraph(model: model).variables.map {
    (key: $0.key, tensor: CheckpointTensor(floats: $0.parameter.value.scalars, shape: $0.parameter.shape))
}
let directory =
    (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory())
    + "/swiftcnn-fuzz-objectgraph-\(getpid())"
let prefix: String = {
    try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    atexit { try? FileManager.default.removeItem(atPath: directory) }
    return directory + "/model.ckpt"
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let bytes = start.map { Array(UnsafeRawBufferPointer(start: $0, count: count)) } ?? []
    let entries = variables + [(KerasObjectGraph.graphKey, CheckpointTensor(strings: [bytes], shape: []))]
    try! TensorBundle.write(entries, prefix: prefix)
    expectClearError { try KerasCheckpoint.load(into: model, prefix: prefix) }
    return 0
}
