/// Keras's `optimizer.apply_gradients(zip(grads, vars))`, for custom training loops.
extension Optimizer {
    /// Applies one update from the given gradients, as `apply_gradients`. Pairs whose
    /// gradient is nil (a variable the loss does not depend on) are skipped, as Keras
    /// skips them. The parameters' `gradient` is set to the given gradient on the way.
    public func applyGradients(_ pairs: some Sequence<(Tensor?, Parameter)>) throws {
        var parameters: [Parameter] = []
        for (gradient, parameter) in pairs {
            guard let gradient else { continue }
            guard gradient.shape == parameter.shape else {
                throw SwiftCNNError.shapeMismatch(
                    "\(name).applyGradients",
                    "gradient \(describe(gradient.shape)) does not match variable '\(parameter.name)' \(describe(parameter.shape))")
            }
            parameter.gradient = gradient.detached
            parameters.append(parameter)
        }
        guard !parameters.isEmpty else { return }
        try apply(to: parameters)
    }

    /// `applyGradients` for gradients that are all present.
    public func applyGradients(_ pairs: some Sequence<(Tensor, Parameter)>) throws {
        try applyGradients(pairs.map { (Optional($0.0), $0.1) })
    }
}
