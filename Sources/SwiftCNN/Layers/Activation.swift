/// Applies an activation function as its own layer, as Keras's `Activation('relu')`.
public final class Activation: Layer {
    /// The function applied to every element (softmax: over the last axis).
    public let function: ActivationFunction

    /// A layer applying `function`, as Keras's `Activation('relu')`.
    public init(_ function: ActivationFunction) {
        self.function = function
    }

    /// `Activation("relu")`; unknown names throw, listing the known ones.
    public convenience init(_ name: String) throws {
        guard let function = ActivationFunction(rawValue: name) else {
            throw SwiftCNNError(
                "Activation: unknown activation '\(name)'; known: \(ActivationFunction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self.init(function)
    }

    public override func call(_ input: Tensor, training: Bool) throws -> Tensor {
        if !training, let plan = InferenceFusion.active, plan.passesThrough(self, input) { return input }
        return function.apply(input)
    }
}
