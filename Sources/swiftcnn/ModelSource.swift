import Foundation
import SwiftCNN

/// `--model` names a zoo model (`baseline`) or a Keras 3 `.keras` file, whose
/// config.json gives the architecture and whose weights come with it.
extension ModelOptions {
    var isKerasFile: Bool { model.lowercased().hasSuffix(".keras") }

    /// A model from the zoo (fresh and unbuilt) or the `.keras` file's (built, its weights
    /// loaded), with the name the course gives its checkpoint (`Baseline`, or the
    /// file's name without `.keras`).
    ///
    /// With `fresh`, a `.keras` file gives only its architecture: fresh variables and no
    /// optimizer state (`train --fresh`).
    func load(fresh: Bool = false) throws -> (model: Model, name: String) {
        if isKerasFile {
            let name = ((model as NSString).lastPathComponent as NSString).deletingPathExtension
            return (fresh ? try KerasModelFile.loadArchitecture(model).model : try KerasModelFile.load(model), name)
        }
        let entry = try entry()
        return (entry.make(), entry.displayName)
    }

    /// The model built for `inputShape` with `weights` loaded (any format, by extension);
    /// a `.keras` model keeps its own weights unless `weights` is given.
    func loadBuilt(inputShape: [Int], weights: String?) throws -> Model {
        let (made, _) = try load()
        if !isKerasFile {
            guard let weights else {
                throw SwiftCNNError("--weights is required with --model \(model) (or give --model a .keras file)")
            }
            try made.build(inputShape: inputShape)
            try made.loadWeights(from: weights)
        } else if let weights {
            try made.loadWeights(from: weights)
        }
        return made
    }
}
