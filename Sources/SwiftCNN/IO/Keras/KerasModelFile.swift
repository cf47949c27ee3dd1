import Foundation

// Keras 3's whole-model file (`model.save("x.keras")`): a zip holding metadata.json,
// config.json (KerasModelConfig.swift) and model.weights.h5 (KerasWeightsFile.swift,
// the same layout as `save_weights`).

/// `.keras` files: a model's architecture and weights in one archive.
///
/// ```swift
/// let model = try KerasModelFile.load("my_model.keras")   // built, weights loaded
/// try KerasModelFile.save(model, to: "copy.keras")        // keras.models.load_model opens it
/// ```
public enum KerasModelFile {
    static let configLimit = 64 << 20
    static let weightsLimit = 4 << 30

    /// Builds the model config.json describes (Sequential, or one of the course's six
    /// classes by name), builds its variables for the recorded input shape (32×32×3
    /// when none is recorded) and loads the weights of model.weights.h5. A compiled
    /// file's Adam or SGD is set up with its state (`compile_config`).
    public static func load(_ path: String) throws -> Model {
        try decode(readWholeFile(path), file: path)
    }

    static func decode(_ bytes: [UInt8], file: String) throws -> Model {
        let entries = try ZipArchive.read(
            bytes, entries: ["config.json", "model.weights.h5"], limit: weightsLimit, file: file)
        guard let configBytes = entries["config.json"] else {
            throw CheckpointError(file: file, message: "has no config.json (not a Keras 3 .keras file?)")
        }
        guard configBytes.count <= configLimit else {
            throw CheckpointError(file: file, message: "config.json is larger than \(configLimit) bytes")
        }
        let config = try KerasModelConfig(json: configBytes, file: file)
        let model = config.model
        if model.graph == nil {  // a Functional model is built by its layers' symbolic calls
            do {
                try model.build(inputShape: config.inputShape ?? [32, 32, 3])
            } catch {
                throw CheckpointError(file: file, message: "config.json describes a model that cannot be built: \(error)")
            }
        }
        if let optimizer = config.optimizer {
            model.compile(optimizer: optimizer, loss: SparseCategoricalCrossentropy(), metrics: [SparseCategoricalAccuracy()])
        }
        guard let weights = entries["model.weights.h5"] else {
            throw CheckpointError(file: file, message: "has no model.weights.h5")
        }
        try KerasWeightsFile.load(into: model, bytes: weights, file: "\(file)/model.weights.h5")
        return model
    }

    /// The model config.json describes, with fresh variables rather than the file's and no
    /// optimizer (`swiftcnn train --fresh`): a Sequential or course model unbuilt, so
    /// that its seed applies when it is built; a Functional model with the variables its
    /// layers' calls made. Also the input shape the file records, if any.
    public static func loadArchitecture(_ path: String) throws -> (model: Model, inputShape: [Int]?) {
        let entries = try ZipArchive.read(readWholeFile(path), entries: ["config.json"], limit: configLimit, file: path)
        guard let configBytes = entries["config.json"] else {
            throw CheckpointError(file: path, message: "has no config.json (not a Keras 3 .keras file?)")
        }
        let config = try KerasModelConfig(json: configBytes, file: path)
        return (config.model, config.inputShape)
    }

    /// Reads only the archive's weights (model.weights.h5) into `model`, which must be
    /// built; config.json is not consulted.
    public static func loadWeights(into model: Model, from path: String) throws {
        let entries = try ZipArchive.read(readWholeFile(path), entries: ["model.weights.h5"], limit: weightsLimit, file: path)
        guard let weights = entries["model.weights.h5"] else {
            throw CheckpointError(file: path, message: "has no model.weights.h5")
        }
        try KerasWeightsFile.load(into: model, bytes: weights, file: "\(path)/model.weights.h5")
    }

    /// Writes `model` (built) as a `.keras` archive, atomically. Sequential models of the
    /// supported layers and the course's six classes can be described.
    public static func save(_ model: Model, to path: String) throws {
        try AtomicFile.write(encode(model, file: path), to: path)
    }

    static func encode(_ model: Model, file: String) throws -> [UInt8] {
        let config = try KerasModelConfig.json(for: model, file: file).encoded()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        let metadata: JSONValue = [
            "keras_version": "3.15.1", "date_saved": .string(formatter.string(from: Date())),
            "saved_by": "SwiftCNN",
        ]
        let weights = try KerasWeightsFile.encode(model, file: "\(file)/model.weights.h5")
        return try ZipArchive.encode(
            [("metadata.json", try metadata.encoded()), ("config.json", config), ("model.weights.h5", weights)],
            file: file)
    }
}
