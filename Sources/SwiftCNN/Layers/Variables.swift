/// Keras's spelling of a layer's variables, for custom training loops:
/// `try tape.gradient(loss, model.trainableVariables)`.
extension Layer {
    /// The parameters optimizers update, in `trainableWeights` order (Keras's
    /// `trainable_variables`).
    public var trainableVariables: [Parameter] { trainableWeights }
    /// Every parameter, trainable first (Keras's `variables`).
    public var variables: [Parameter] { weights }
}
