import CHDF5
import Foundation

// Keras 3's `.weights.h5` (`model.save_weights("x.weights.h5")`), in the layout of
// Keras3Layout.swift. Loading is all-or-nothing, as for TF checkpoints: every variable is
// found and checked (dtype, shape), and the file may hold no variable the model lacks,
// before any parameter is assigned.

/// Keras 3 `.weights.h5` files for SwiftCNN models.
///
/// ```swift
/// try KerasWeightsFile.save(model, to: "checkpoint/Baseline.weights.h5")
/// // Python (Keras 3): model.load_weights("checkpoint/Baseline.weights.h5")
/// try KerasWeightsFile.load(into: model, from: "checkpoint/Baseline.weights.h5")
/// ```
public enum KerasWeightsFile {
    /// Writes the model's variables, and the optimizer's once it has taken a step (as
    /// Keras writes a trained model's), atomically.
    public static func save(_ model: Layer, to path: String) throws {
        try AtomicFile.write(encode(model, file: path), to: path)
    }

    /// The bytes of the `.weights.h5` file for `model`.
    static func encode(_ model: Layer, file: String) throws -> [UInt8] {
        guard !model.namedParameters.isEmpty else {
            throw CheckpointError(file: file, message: "model has no variables yet; call build(inputShape:) first")
        }
        let layout = Keras3Layout(model: model)
        return try HDF5.locked {
            let h5 = try HDF5File.create(name: file)
            let root = h5.root
            for entry in layout.entries {
                var group = root
                for part in entry.path.split(separator: "/") { group = try group.createGroup(String(part)) }
                let vars = try group.createGroup("vars")
                try vars.setStringAttribute("name", entry.name)
                for (i, variable) in entry.variables.enumerated() {
                    let parameter = variable.parameter
                    try vars.writeFloats("\(i)", parameter.value.scalars, shape: parameter.shape)
                }
            }
            if let optimizer = (model as? Model)?.optimizer, optimizer.iterations > 0,
                let (name, variables) = Keras3Layout.optimizerVariables(optimizer, model: model)
            {
                let vars = try root.createGroup("optimizer").createGroup("vars")
                try vars.setStringAttribute("name", name)
                for (i, variable) in variables.enumerated() {
                    switch variable {
                    case .iterations: try vars.writeInt64s("\(i)", [Int64(optimizer.iterations)], shape: [])
                    case .learningRate: try vars.writeFloats("\(i)", [optimizer.learningRate], shape: [])
                    case .slot(let slot, let parameter):
                        let value = optimizer.slots(for: parameter)[slot] ?? Tensor.zeros(parameter.shape)
                        try vars.writeFloats("\(i)", value.scalars, shape: parameter.shape)
                    }
                }
            }
            return try h5.image()
        }
    }

    /// Reads a `.weights.h5` written by Keras 3 (or by ``save(_:to:)``) into `model`,
    /// which must be built. A compiled model's optimizer state is restored too when the
    /// file holds that optimizer's variables (Keras writes them once trained); an
    /// optimizer state of another kind or size is skipped, as Keras skips it.
    public static func load(into model: Layer, from path: String) throws {
        try load(into: model, bytes: readWholeFile(path), file: path)
    }

    /// Reads the file `bytes` (named `file` in errors) into `model`.
    static func load(into model: Layer, bytes: [UInt8], file: String) throws {
        guard !model.namedParameters.isEmpty else {
            throw CheckpointError(file: file, message: "model has no variables yet; call build(inputShape:) first")
        }
        let layout = Keras3Layout(model: model)
        let install: () throws -> Void = try HDF5.locked {
            let h5 = try HDF5File.open(bytes: bytes, name: file)
            let root = h5.root
            var assignments: [(Parameter, Tensor)] = []
            var expected = Set<String>()
            for entry in layout.entries {
                expected.insert(entry.varsPath)
                guard !entry.variables.isEmpty else { continue }
                guard let vars = try root.group(atPath: entry.varsPath) else {
                    throw CheckpointError(
                        file: file, variable: entry.varsPath,
                        message: "not in the file, which the model's \(entry.variables[0].path) needs (a different model?)")
                }
                let stored = try datasetNames(vars)
                guard stored.count == entry.variables.count else {
                    throw CheckpointError(
                        file: file, variable: entry.varsPath,
                        message: "holds \(stored.count) variables but the model's layer '\(entry.name)' has \(entry.variables.count)")
                }
                for (i, variable) in entry.variables.enumerated() {
                    let value = try floats(vars, "\(i)", shape: variable.parameter.shape, file: file)
                    assignments.append((variable.parameter, value))
                }
            }
            try rejectUnknownVariables(root, expected: expected, file: file)
            let restoreOptimizer = try optimizerState(root, model: model, file: file)
            return {
                for (parameter, value) in assignments { parameter.value = value }
                try restoreOptimizer?()
            }
        }
        try install()
    }

    /// The `vars` group's dataset names, which Keras numbers from 0.
    private static func datasetNames(_ vars: HDF5Group) throws -> [String] {
        try vars.childNames().filter { try vars.kind(of: $0) == H5O_TYPE_DATASET }
    }

    /// A float32 dataset checked against `shape`.
    private static func floats(_ group: HDF5Group, _ name: String, shape: [Int], file: String) throws -> Tensor {
        let path = group.childPath(name)
        let dataset = try group.dataset(name, limit: 1 << 31, expected: shape)
        guard dataset.element == .float32 else {
            throw CheckpointError(file: file, variable: path, message: "has dtype \(dataset.element), expected float32")
        }
        guard dataset.shape == shape else {
            throw CheckpointError(
                file: file, variable: path,
                message: "has shape \(dataset.shape) but the model's parameter has shape \(shape)")
        }
        do {
            return try Tensor(shape: shape, scalars: dataset.floats)
        } catch {
            throw CheckpointError(file: file, variable: path, message: "\(error)")
        }
    }

    /// Every `vars` group holding datasets must be one the model expects (the optimizer's
    /// aside): otherwise the file is of a different model.
    private static func rejectUnknownVariables(_ root: HDF5Group, expected: Set<String>, file: String) throws {
        var pending = [root]
        var visitedGroups = 0
        while let group = pending.popLast() {
            visitedGroups += 1
            guard visitedGroups < 1_000_000 else {
                throw CheckpointError(file: file, message: "has more than a million groups")
            }
            for name in try group.childNames() where !(group.path.isEmpty && name == "optimizer") {
                guard let child = try group.group(name) else { continue }
                if name == "vars", !expected.contains(child.path), !(try datasetNames(child)).isEmpty {
                    throw CheckpointError(
                        file: file, variable: child.path,
                        message: "the file holds variables here but the model has no such layer (a different model?)")
                }
                if name != "vars" { pending.append(child) }
            }
        }
    }

    /// Validates the file's optimizer variables for the model's optimizer and returns the
    /// closure that installs them, or nil when there are none to restore.
    private static func optimizerState(_ root: HDF5Group, model: Layer, file: String) throws -> (() throws -> Void)? {
        guard let optimizer = (model as? Model)?.optimizer,
            let (name, variables) = Keras3Layout.optimizerVariables(optimizer, model: model),
            let vars = try root.group(atPath: "optimizer/vars")
        else { return nil }
        let stored = try datasetNames(vars)
        // Keras skips an optimizer state of another size (another optimizer, or one not
        // built yet); so does SwiftCNN, and of another kind by its name.
        guard stored.count == variables.count, try vars.stringAttribute("name").map({ $0.hasPrefix(name) }) ?? true
        else { return nil }
        var iterations = 0
        // Absent when the rate follows a schedule (no variable then, in Keras as here).
        var learningRate: Float?
        var slots: [(Parameter, String, Tensor)] = []
        for (i, variable) in variables.enumerated() {
            let path = vars.childPath("\(i)")
            switch variable {
            case .iterations:
                let dataset = try vars.dataset("\(i)", limit: 1, expected: [])
                guard dataset.element == .int64, dataset.shape == [], let value = dataset.int64s.first, value >= 0,
                    let count = Int(exactly: value)
                else {
                    throw CheckpointError(file: file, variable: path, message: "iterations must be a non-negative int64 scalar")
                }
                iterations = count
            case .learningRate:
                let dataset = try vars.dataset("\(i)", limit: 1, expected: [])
                guard dataset.element == .float32, dataset.shape == [], let value = dataset.floats.first else {
                    throw CheckpointError(file: file, variable: path, message: "learning rate must be a float32 scalar")
                }
                learningRate = value
            case .slot(let slot, let parameter):
                slots.append((parameter, slot, try floats(vars, "\(i)", shape: parameter.shape, file: file)))
            }
        }
        return {
            optimizer.iterations = iterations
            if let learningRate { optimizer.learningRate = learningRate }
            for (parameter, slot, value) in slots { try optimizer.setSlots([slot: value], for: parameter) }
        }
    }
}
