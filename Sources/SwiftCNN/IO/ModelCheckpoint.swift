import Foundation
import SwiftProtobuf

// A SwiftCNN model's parameters to and from the files the course uses:
// TF-format Keras checkpoints (through the object graph, see
// ObjectGraph.swift), safetensors (flattened parameter paths) and weights.txt.
// Loading is all-or-nothing: every variable is found and checked against the
// model before any parameter is assigned.

/// Keras-compatible TensorFlow checkpoints for SwiftCNN models.
///
/// ```swift
/// let model = Baseline()
/// try model.build(inputShape: [32, 32, 3])
/// try KerasCheckpoint.save(model, prefix: "checkpoint/Baseline.ckpt")
/// // Python: model.load_weights("checkpoint/Baseline.ckpt")
/// try KerasCheckpoint.load(into: model, prefix: "checkpoint/Baseline.ckpt")
/// ```
public enum KerasCheckpoint {
    /// Writes `<prefix>.index`, `<prefix>.data-00000-of-00001` and the
    /// `checkpoint` file next to them, as tf.keras's `model.save_weights(prefix)`.
    public static func save(_ model: Layer, prefix: String, writeStateFile: Bool = true) throws {
        let indexFile = TensorBundle.indexPath(prefix: prefix)
        guard !model.namedParameters.isEmpty else {
            throw CheckpointError(file: indexFile, message: "model has no variables yet; call build(inputShape:) first")
        }
        let graph = KerasObjectGraph(model: model)
        var entries = graph.variables.map { v in
            (key: v.key, tensor: CheckpointTensor(floats: v.parameter.value.scalars, shape: v.parameter.shape))
        }
        let graphBytes: [UInt8]
        do {
            graphBytes = try graph.proto.serializedBytes()
        } catch {
            throw CheckpointError(file: indexFile, message: "cannot serialize the object graph: \(error)")
        }
        entries.append((KerasObjectGraph.graphKey, CheckpointTensor(strings: [graphBytes], shape: [])))
        try TensorBundle.write(entries, prefix: prefix)
        if writeStateFile {
            let name = (prefix as NSString).lastPathComponent
            try CheckpointState(modelCheckpointPath: name).write(directory: directoryOf(prefix))
        }
    }

    /// Reads a checkpoint written by tf.keras (or by ``save(_:prefix:writeStateFile:)``)
    /// into `model`, which must be built. Optimizer state and `save_counter`
    /// in the file are ignored; any other variable the model lacks, a missing
    /// variable, or a dtype or shape mismatch is an error, and then no
    /// parameter is changed.
    public static func load(into model: Layer, prefix: String) throws {
        let indexFile = TensorBundle.indexPath(prefix: prefix)
        guard !model.namedParameters.isEmpty else {
            throw CheckpointError(file: indexFile, message: "model has no variables yet; call build(inputShape:) first")
        }
        let entries = try TensorBundle.read(prefix: prefix)
        let tensors = Dictionary(entries.map { ($0.key, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let expected = KerasObjectGraph(model: model)
        let keys = try checkpointKeys(for: expected, tensors: tensors, indexFile: indexFile)

        var assignments: [(Parameter, Tensor)] = []
        for (variable, key) in zip(expected.variables, keys) {
            let name = "\(variable.path) (\(key))"
            guard let tensor = tensors[key] else {
                throw CheckpointError(file: indexFile, variable: name, message: "not in the checkpoint")
            }
            assignments.append((variable.parameter, try floatTensor(tensor, for: variable.parameter, file: indexFile, name: name)))
        }
        for (parameter, value) in assignments { parameter.value = value }
    }

    /// The bundle key of each expected variable: found by walking the file's
    /// object graph along the edges of the model's graph, or, for a bundle
    /// without an object graph, the keys tf.keras would use.
    private static func checkpointKeys(
        for expected: KerasObjectGraph, tensors: [String: CheckpointTensor], indexFile: String
    ) throws -> [String] {
        guard let graphTensor = tensors[KerasObjectGraph.graphKey] else {
            return expected.variables.map(\.key)
        }
        guard graphTensor.dtype == .string, let bytes = graphTensor.strings.first, graphTensor.strings.count == 1 else {
            throw CheckpointError(file: indexFile, variable: KerasObjectGraph.graphKey, message: "is not a string scalar")
        }
        let graph: Tensorflow_TrackableObjectGraph
        do {
            graph = try Tensorflow_TrackableObjectGraph(serializedBytes: bytes)
        } catch {
            throw CheckpointError(file: indexFile, variable: KerasObjectGraph.graphKey, message: "is not a TrackableObjectGraph (\(error))")
        }
        guard !graph.nodes.isEmpty else {
            throw CheckpointError(file: indexFile, variable: KerasObjectGraph.graphKey, message: "has no nodes")
        }
        // Map model nodes to file nodes breadth-first by edge name.
        let ours = expected.proto.nodes
        var match: [Int: Int] = [0: 0]
        var queue = [0]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            guard let fileNode = match[node] else { continue }
            for edge in ours[node].children where match[Int(edge.nodeID)] == nil {
                if let fileEdge = graph.nodes[fileNode].children.first(where: { $0.localName == edge.localName }) {
                    guard fileEdge.nodeID >= 0, Int(fileEdge.nodeID) < graph.nodes.count else {
                        throw CheckpointError(
                            file: indexFile, variable: KerasObjectGraph.graphKey,
                            message: "edge '\(edge.localName)' points to missing node \(fileEdge.nodeID)")
                    }
                    match[Int(edge.nodeID)] = Int(fileEdge.nodeID)
                    queue.append(Int(edge.nodeID))
                }
            }
        }
        var keys: [String] = []
        var used = Set<Int>()
        for variable in expected.variables {
            guard let fileNode = match[variable.node],
                let attribute = graph.nodes[fileNode].attributes.first(where: { $0.name == KerasObjectGraph.attributeName })
            else {
                throw CheckpointError(
                    file: indexFile, variable: variable.path,
                    message: "the checkpoint's object graph has no variable at \(variable.key) (a different model?)")
            }
            used.insert(fileNode)
            keys.append(attribute.checkpointKey)
        }
        // Variables of the file's model that this model lacks mean a different model.
        let ignored: Set<String> = ["optimizer", "save_counter"]
        var seen: Set<Int> = [0]
        var pending = [0]
        while let node = pending.popLast() {
            if let attribute = graph.nodes[node].attributes.first, !used.contains(node) {
                throw CheckpointError(
                    file: indexFile, variable: attribute.checkpointKey,
                    message: "the checkpoint holds this variable but the model has no such parameter (a different model?)")
            }
            for edge in graph.nodes[node].children where !(node == 0 && ignored.contains(edge.localName)) {
                let child = Int(edge.nodeID)
                guard child >= 0, child < graph.nodes.count else {
                    throw CheckpointError(file: indexFile, variable: KerasObjectGraph.graphKey, message: "edge '\(edge.localName)' points to missing node \(child)")
                }
                if seen.insert(child).inserted { pending.append(child) }
            }
        }
        return keys
    }
}

/// A float32 checkpoint tensor as a value for `parameter`, after checking
/// dtype and shape.
func floatTensor(_ tensor: CheckpointTensor, for parameter: Parameter, file: String, name: String) throws -> Tensor {
    guard tensor.dtype == .float32, let floats = tensor.floats else {
        throw CheckpointError(file: file, variable: name, message: "has dtype \(tensor.dtype), expected float32")
    }
    guard tensor.shape == parameter.shape else {
        throw CheckpointError(file: file, variable: name, message: "has shape \(tensor.shape) but the model's parameter has shape \(parameter.shape)")
    }
    do {
        return try Tensor(shape: tensor.shape, scalars: floats)
    } catch {
        throw CheckpointError(file: file, variable: name, message: "\(error)")
    }
}

private func directoryOf(_ path: String) -> String {
    let directory = (path as NSString).deletingLastPathComponent
    return directory.isEmpty ? "." : directory
}

extension Model {
    /// tf.keras's `model.save_weights(prefix)` in TensorFlow format: the
    /// `.index` and `.data-00000-of-00001` files and the `checkpoint` file.
    public func saveWeights(_ prefix: String) throws { try KerasCheckpoint.save(self, prefix: prefix) }

    /// tf.keras's `model.load_weights(prefix)` for TensorFlow-format
    /// checkpoints; the model must be built. All-or-nothing.
    public func loadWeights(_ prefix: String) throws { try KerasCheckpoint.load(into: self, prefix: prefix) }

    /// Writes the course's `weights.txt`: every trainable variable's Keras
    /// name, shape and values, in `model.trainable_variables` order.
    public func writeWeightsText(to path: String, style: NumpyPrintStyle = .numpy2) throws {
        let variables = kerasVariableNames.filter { $0.parameter.isTrainable }.map {
            (name: $0.name, shape: $0.parameter.shape, values: $0.parameter.value.scalars)
        }
        try WeightsText.write(variables, to: path, style: style)
    }

    /// Parameters as safetensors, named by their paths with "." for "/"
    /// (`blocks.0.c1.kernel`).
    public func saveSafeTensors(to path: String, metadata: [String: String] = [:]) throws {
        let tensors = namedParameters.map { p in
            (name: p.path.replacingOccurrences(of: "/", with: "."),
             tensor: CheckpointTensor(floats: p.parameter.value.scalars, shape: p.parameter.shape))
        }
        try SafeTensors.write(tensors, metadata: metadata, to: path)
    }

    /// Reads parameters written by ``saveSafeTensors(to:metadata:)``; every
    /// parameter must be present with its shape, and no other tensor.
    public func loadSafeTensors(from path: String) throws {
        let contents = try SafeTensors.read(path: path)
        var byName = Dictionary(contents.tensors.map { ($0.name, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        var assignments: [(Parameter, Tensor)] = []
        for p in namedParameters {
            let name = p.path.replacingOccurrences(of: "/", with: ".")
            guard let tensor = byName.removeValue(forKey: name) else {
                throw CheckpointError(file: path, variable: name, message: "not in the file")
            }
            assignments.append((p.parameter, try floatTensor(tensor, for: p.parameter, file: path, name: name)))
        }
        if let extra = byName.keys.sorted().first {
            throw CheckpointError(file: path, variable: extra, message: "the file holds this tensor but the model has no such parameter")
        }
        for (parameter, value) in assignments { parameter.value = value }
    }
}
