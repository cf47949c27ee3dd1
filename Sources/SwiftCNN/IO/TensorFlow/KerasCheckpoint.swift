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
    /// A compiled model whose Adam or SGD optimizer has taken steps also
    /// saves the optimizer state, in Keras's layout.
    public static func save(_ model: Layer, prefix: String, writeStateFile: Bool = true) throws {
        try TensorBundle.write(try bundleEntries(model, prefix: prefix), prefix: prefix)
        if writeStateFile {
            let name = (prefix as NSString).lastPathComponent
            try CheckpointState(modelCheckpointPath: name).write(directory: directoryOf(prefix))
        }
    }

    /// The bundle's entries for `model` (and its optimizer's state), as ``save(_:prefix:writeStateFile:)``
    /// writes them.
    static func bundleEntries(_ model: Layer, prefix: String) throws -> [(key: String, tensor: CheckpointTensor)] {
        let indexFile = TensorBundle.indexPath(prefix: prefix)
        guard !model.namedParameters.isEmpty else {
            throw CheckpointError(file: indexFile, message: "model has no variables yet; call build(inputShape:) first")
        }
        // Keras writes optimizer state once the optimizer has taken a step.
        let optimizer = (model as? Model)?.optimizer.flatMap { $0.iterations > 0 ? $0 : nil }
        let graph = KerasObjectGraph(model: model, optimizer: optimizer)
        var values: [Int: (key: String, tensor: CheckpointTensor)] = [:]
        for v in graph.variables {
            values[v.node] = (v.key, CheckpointTensor(floats: v.parameter.value.scalars, shape: v.parameter.shape))
        }
        if let optimizer {
            for v in graph.optimizerVariables {
                let tensor: CheckpointTensor
                switch v.kind {
                case .iterations: tensor = CheckpointTensor(int64s: [Int64(optimizer.iterations)], shape: [])
                case .learningRate: tensor = CheckpointTensor(floats: [optimizer.learningRate], shape: [])
                case .slot(let name, let parameter):
                    let slot = optimizer.slots(for: parameter)[name] ?? Tensor.zeros(parameter.shape)
                    tensor = CheckpointTensor(floats: slot.scalars, shape: parameter.shape)
                }
                values[v.node] = (v.key, tensor)
            }
        }
        var entries = graph.dataOrder.compactMap { values[$0] }
        let graphBytes: [UInt8]
        do {
            graphBytes = try graph.proto.serializedBytes()
        } catch {
            throw CheckpointError(file: indexFile, message: "cannot serialize the object graph: \(error)")
        }
        entries.append((KerasObjectGraph.graphKey, CheckpointTensor(strings: [graphBytes], shape: [])))
        return entries
    }

    /// Reads a checkpoint written by tf.keras (or by ``save(_:prefix:writeStateFile:)``)
    /// into `model`, which must be built. If the model is compiled with Adam
    /// or SGD and the file holds that optimizer's state (Keras writes it once
    /// trained), iterations, learning rate and slots are restored too;
    /// other optimizer state and `save_counter` are ignored. Any other
    /// variable the model lacks, a missing variable, or a dtype or shape
    /// mismatch is an error, and then nothing is changed.
    ///
    /// A save that was killed between writing the data and the index leaves the bundle
    /// at `prefix` incomplete and its previous version beside it (see
    /// ``TensorBundle/write(_:prefix:)``); that copy is loaded instead, and `warn` gets
    /// one line saying so (standard error by default).
    public static func load(
        into model: Layer, prefix: String, warn: ((String) -> Void)? = nil
    ) throws {
        var indexFile = TensorBundle.indexPath(prefix: prefix)
        guard !model.namedParameters.isEmpty else {
            throw CheckpointError(file: indexFile, message: "model has no variables yet; call build(inputShape:) first")
        }
        let entries: [TensorBundleEntry]
        do {
            entries = try TensorBundle.read(prefix: prefix)
        } catch let error as CheckpointError {
            let backup = FileSet.backupPrefix(prefix)
            guard let previous = try? TensorBundle.read(prefix: backup) else { throw error }
            (warn ?? writeToStandardError)(
                "warning: \(error); the checkpoint's last save was cut short, so the previous one, \(backup), was loaded")
            entries = previous
            indexFile = TensorBundle.indexPath(prefix: backup)
        }
        let tensors = Dictionary(entries.map { ($0.key, $0.tensor) }, uniquingKeysWith: { a, _ in a })
        let optimizer = (model as? Model)?.optimizer
        let expected = KerasObjectGraph(model: model, optimizer: optimizer)
        let keys = try checkpointKeys(for: expected, tensors: tensors, indexFile: indexFile)

        var assignments: [(Parameter, Tensor)] = []
        for variable in expected.variables {
            let key = keys[variable.node] ?? variable.key
            let name = "\(variable.path) (\(key))"
            guard let tensor = tensors[key] else {
                throw CheckpointError(file: indexFile, variable: name, message: "not in the checkpoint")
            }
            assignments.append(
                (variable.parameter, try floatTensor(tensor, for: variable.parameter, file: indexFile, name: name)))
        }
        let restoreOptimizer = try optimizer.flatMap {
            try optimizerState(for: $0, expected: expected, keys: keys, tensors: tensors, indexFile: indexFile)
        }
        for (parameter, value) in assignments { parameter.value = value }
        try restoreOptimizer?()
    }

    /// Validates the optimizer state in the file (Keras's layout for the
    /// model's optimizer) and returns the closure that installs it, or nil if
    /// the file has none. Partial state is an error.
    private static func optimizerState(
        for optimizer: Optimizer, expected: KerasObjectGraph, keys: [Int: String],
        tensors: [String: CheckpointTensor], indexFile: String
    ) throws -> (() throws -> Void)? {
        let found = expected.optimizerVariables.filter { keys[$0.node].map { tensors[$0] != nil } ?? false }
        if found.isEmpty { return nil }
        var iterations: Int?
        var learningRate: Float?
        var slots: [(Parameter, String, Tensor)] = []
        for v in expected.optimizerVariables {
            guard let key = keys[v.node], let tensor = tensors[key] else {
                throw CheckpointError(
                    file: indexFile, variable: v.key,
                    message:
                        "optimizer state is incomplete (a different optimizer?); found \(found.count) of \(expected.optimizerVariables.count) variables"
                )
            }
            switch v.kind {
            case .iterations:
                guard tensor.dtype == .int64, tensor.shape == [], let value = tensor.int64s?.first, value >= 0,
                    let count = Int(exactly: value)
                else {
                    throw CheckpointError(
                        file: indexFile, variable: key, message: "iterations must be a non-negative int64 scalar")
                }
                iterations = count
            case .learningRate:
                guard tensor.dtype == .float32, tensor.shape == [], let value = tensor.floats?.first else {
                    throw CheckpointError(
                        file: indexFile, variable: key, message: "learning rate must be a float32 scalar")
                }
                learningRate = value
            case .slot(let name, let parameter):
                slots.append((parameter, name, try floatTensor(tensor, for: parameter, file: indexFile, name: key)))
            }
        }
        return {
            if let iterations { optimizer.iterations = iterations }
            if let learningRate { optimizer.learningRate = learningRate }
            for (parameter, name, value) in slots { try optimizer.setSlots([name: value], for: parameter) }
        }
    }

    /// The bundle key of each expected variable: found by walking the file's
    /// object graph along the edges of the model's graph, or, for a bundle
    /// without an object graph, the keys tf.keras would use.
    private static func checkpointKeys(
        for expected: KerasObjectGraph, tensors: [String: CheckpointTensor], indexFile: String
    ) throws -> [Int: String] {
        guard let graphTensor = tensors[KerasObjectGraph.graphKey] else {
            let all =
                expected.variables.map { ($0.node, $0.key) } + expected.optimizerVariables.map { ($0.node, $0.key) }
            return Dictionary(all, uniquingKeysWith: { a, _ in a })
        }
        guard graphTensor.dtype == .string, let bytes = graphTensor.strings.first, graphTensor.strings.count == 1 else {
            throw CheckpointError(
                file: indexFile, variable: KerasObjectGraph.graphKey, message: "is not a string scalar")
        }
        let graph: Tensorflow_TrackableObjectGraph
        do {
            graph = try Tensorflow_TrackableObjectGraph(serializedBytes: bytes)
        } catch {
            throw CheckpointError(
                file: indexFile, variable: KerasObjectGraph.graphKey,
                message: "is not a TrackableObjectGraph (\(error))")
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
        var keys: [Int: String] = [:]
        var used = Set<Int>()
        if optimizerLayoutMatches(ours: ours, file: graph, match: match) {
            for variable in expected.optimizerVariables {
                if let fileNode = match[variable.node],
                    let attribute = graph.nodes[fileNode].attributes.first(where: {
                        $0.name == KerasObjectGraph.attributeName
                    })
                {
                    keys[variable.node] = attribute.checkpointKey
                }
            }
        }
        for variable in expected.variables {
            guard let fileNode = match[variable.node],
                let attribute = graph.nodes[fileNode].attributes.first(where: {
                    $0.name == KerasObjectGraph.attributeName
                })
            else {
                throw CheckpointError(
                    file: indexFile, variable: variable.path,
                    message: "the checkpoint's object graph has no variable at \(variable.key) (a different model?)")
            }
            used.insert(fileNode)
            keys[variable.node] = attribute.checkpointKey
        }
        // Variables of the file's model that this model lacks mean a different model.
        let ignored: Set<String> = ["optimizer", "save_counter"]
        var seen: Set<Int> = [0]
        var pending = [0]
        while let node = pending.popLast() {
            if let attribute = graph.nodes[node].attributes.first, !used.contains(node) {
                throw CheckpointError(
                    file: indexFile, variable: attribute.checkpointKey,
                    message:
                        "the checkpoint holds this variable but the model has no such parameter (a different model?)")
            }
            for edge in graph.nodes[node].children where !(node == 0 && ignored.contains(edge.localName)) {
                let child = Int(edge.nodeID)
                guard child >= 0, child < graph.nodes.count else {
                    throw CheckpointError(
                        file: indexFile, variable: KerasObjectGraph.graphKey,
                        message: "edge '\(edge.localName)' points to missing node \(child)")
                }
                if seen.insert(child).inserted { pending.append(child) }
            }
        }
        return keys
    }
}

/// Whether the file's optimizer is the model's kind: every slot list the
/// model's optimizer keeps (`_momentums`, `_velocities` for Adam, `momentums`
/// for SGD) exists, and each of its entries is the node `_variables/N` led to.
/// Otherwise (no optimizer state, or another optimizer's) it is not restored.
private func optimizerLayoutMatches(
    ours: [Tensorflow_TrackableObjectGraph.TrackableObject], file: Tensorflow_TrackableObjectGraph, match: [Int: Int]
) -> Bool {
    guard let optimizerEdge = ours.first?.children.first(where: { $0.localName == "optimizer" }) else { return false }
    let optimizerNode = Int(optimizerEdge.nodeID)
    let lists = ours[optimizerNode].children.filter {
        ["_momentums", "_velocities", "momentums"].contains($0.localName)
    }
    for list in lists {
        guard let fileList = match[Int(list.nodeID)], fileList < file.nodes.count else { return false }
        let fileChildren = file.nodes[fileList].children
        for slot in ours[Int(list.nodeID)].children {
            guard let viaVariables = match[Int(slot.nodeID)],
                let viaList = fileChildren.first(where: { $0.localName == slot.localName }),
                Int(viaList.nodeID) == viaVariables
            else { return false }
        }
        guard fileChildren.count == ours[Int(list.nodeID)].children.count else { return false }
    }
    return !lists.isEmpty
}

/// A float32 checkpoint tensor as a value for `parameter`, after checking
/// dtype and shape.
func floatTensor(_ tensor: CheckpointTensor, for parameter: Parameter, file: String, name: String) throws -> Tensor {
    guard tensor.dtype == .float32, let floats = tensor.floats else {
        throw CheckpointError(file: file, variable: name, message: "has dtype \(tensor.dtype), expected float32")
    }
    guard tensor.shape == parameter.shape else {
        throw CheckpointError(
            file: file, variable: name,
            message: "has shape \(tensor.shape) but the model's parameter has shape \(parameter.shape)")
    }
    do {
        return try Tensor(shape: tensor.shape, scalars: floats)
    } catch {
        throw CheckpointError(file: file, variable: name, message: "\(error)")
    }
}

/// Writes a line to standard error.
func writeToStandardError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

private func directoryOf(_ path: String) -> String {
    let directory = (path as NSString).deletingLastPathComponent
    return directory.isEmpty ? "." : directory
}

extension Model {
    /// Keras's `model.save_weights(path)`: the format follows the extension, as
    /// ``saveWeights(to:)`` (a `.ckpt` prefix is TensorFlow's bundle: the `.index` and
    /// `.data-00000-of-00001` files and the `checkpoint` file, as tf.keras 2 writes).
    public func saveWeights(_ path: String) throws { try saveWeights(to: path) }

    /// Keras's `model.load_weights(path)`: the format follows the extension, as
    /// ``loadWeights(from:)``; the model must be built. All-or-nothing.
    public func loadWeights(_ path: String) throws { try loadWeights(from: path) }

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
            (
                name: p.path.replacingOccurrences(of: "/", with: "."),
                tensor: CheckpointTensor(floats: p.parameter.value.scalars, shape: p.parameter.shape)
            )
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
            throw CheckpointError(
                file: path, variable: extra, message: "the file holds this tensor but the model has no such parameter")
        }
        for (parameter, value) in assignments { parameter.value = value }
    }
}
