import Foundation

/// The weight-file formats SwiftCNN reads and writes, chosen by the path's extension.
public enum WeightsFormat: String, Sendable, CaseIterable {
    /// A TensorFlow checkpoint prefix (`x.ckpt` → `x.ckpt.index`, `x.ckpt.data-…`), as
    /// tf.keras 2's `save_weights` writes.
    case tensorFlow = ".ckpt"
    /// Keras 3's `save_weights` file.
    case kerasWeights = ".weights.h5"
    /// Parameters by path, huggingface's format.
    case safeTensors = ".safetensors"
    /// Keras 3's whole-model archive; as a weights file, its `model.weights.h5`.
    case kerasModel = ".keras"

    /// The format of `path`: by its extension, and a path that ends in none of them is a
    /// TensorFlow checkpoint prefix (`checkpoint/Baseline`, `…-last`), as before.
    public init(path: String) {
        let lower = path.lowercased()
        if lower.hasSuffix(Self.kerasWeights.rawValue) {
            self = .kerasWeights
        } else if lower.hasSuffix(Self.safeTensors.rawValue) {
            self = .safeTensors
        } else if lower.hasSuffix(Self.kerasModel.rawValue) {
            self = .kerasModel
        } else {
            self = .tensorFlow
        }
    }

    /// The file whose presence shows that weights are saved at `path`.
    public static func markerFile(_ path: String) -> String {
        WeightsFormat(path: path) == .tensorFlow ? TensorBundle.indexPath(prefix: path) : path
    }

    /// `path` without its format's extension (`checkpoint/Baseline`).
    public static func stem(_ path: String) -> String {
        let suffix = WeightsFormat(path: path).rawValue
        return path.lowercased().hasSuffix(suffix) ? String(path.dropLast(suffix.count)) : path
    }
}

extension Model {
    /// Writes the weights (and a trained optimizer's state, where the format has room
    /// for it) in the format `path`'s extension names: `.ckpt` a TensorFlow checkpoint,
    /// `.weights.h5` Keras 3's file, `.safetensors` safetensors, `.keras` the whole model
    /// (``KerasModelFile/save(_:to:)``).
    public func saveWeights(to path: String) throws {
        switch WeightsFormat(path: path) {
        case .tensorFlow: try KerasCheckpoint.save(self, prefix: path)
        case .kerasWeights: try KerasWeightsFile.save(self, to: path)
        case .safeTensors: try saveSafeTensors(to: path)
        case .kerasModel: try KerasModelFile.save(self, to: path)
        }
    }

    /// Reads weights in the format `path`'s extension names (see ``saveWeights(to:)``);
    /// the model must be built. All-or-nothing.
    public func loadWeights(from path: String) throws {
        switch WeightsFormat(path: path) {
        case .tensorFlow: try KerasCheckpoint.load(into: self, prefix: path)
        case .kerasWeights: try KerasWeightsFile.load(into: self, from: path)
        case .safeTensors: try loadSafeTensors(from: path)
        case .kerasModel: try KerasModelFile.loadWeights(into: self, from: path)
        }
    }
}
