/// Records operations for automatic differentiation, as TensorFlow's `tf.GradientTape`:
///
/// ```swift
/// let tape = GradientTape()
/// let loss = try tape.record { try lossFunction(y, model(x, training: true)) }
/// let grads = try tape.gradient(loss, model.trainableVariables)
/// try optimizer.applyGradients(zip(grads, model.trainableVariables))
/// ```
///
/// Inside `record`, every read of a trainable parameter (by a layer or by an op such as
/// `x * gamma`) is tracked whatever `training` says, as TensorFlow watches trainable
/// variables. That keeps "record gradients" apart from "training behaviour": the course's
/// Inception runs its batch-norm with `training: false` inside `fit`, and its gamma, beta
/// and convolution must still learn. Plain tensors are tracked once `watch` has made them
/// sources. Outside a scope, built-in layers track their parameters when `training` is
/// true or their input is tracked.
///
/// A tape computes gradients once, as TensorFlow's default (non-persistent) tape: the
/// backward pass releases what the ops saved.
public final class GradientTape {
    /// How many `record` scopes enclose the calling thread. `record`'s body is synchronous,
    /// so it runs on the thread that entered the scope; a per-thread count scopes it
    /// exactly, and unlike a task-local value, entering costs no heap allocation.
    private static let depth = ThreadLocalWord()

    /// Whether the calling code runs inside a tape's `record`.
    public static var isRecording: Bool { depth.value > 0 }

    /// Runs `body` with recording on, without a tape object (what `fit` does each step).
    static func recording<R>(_ body: () throws -> R) rethrows -> R {
        try depth.withValue(depth.value + 1, body)
    }

    private var used = false

    /// A tape; record the computation with `record`, then ask for its `gradient` once.
    public init() {}

    /// Runs `body` with recording on and returns its result (typically the loss).
    public func record<R>(_ body: () throws -> R) rethrows -> R {
        try Self.recording(body)
    }

    /// `tensor` as a source whose gradient `gradient(_:_:)` can return, as `tape.watch(x)`.
    /// Tensors are values, so use the returned tensor in the computation.
    public func watch(_ tensor: Tensor) -> Tensor { tensor.trackingGradient() }

    /// The gradients of `target` (summed over its elements when it is not a scalar) with
    /// respect to each parameter, nil where `target` does not depend on it, as TensorFlow's
    /// default `unconnected_gradients=NONE`. The parameters' own `gradient` is left as it was.
    public func gradient(_ target: Tensor, _ sources: [Parameter]) throws -> [Tensor?] {
        let collected = try run(target, capturing: [])
        return sources.map { collected[ObjectIdentifier($0)] }
    }

    /// The gradient of `target` with respect to one parameter.
    public func gradient(_ target: Tensor, _ source: Parameter) throws -> Tensor? {
        try gradient(target, [source])[0]
    }

    /// The gradients of `target` with respect to tensors: ones returned by `watch`, or
    /// intermediate results of the recorded computation; nil where unconnected.
    public func gradient(_ target: Tensor, _ sources: [Tensor]) throws -> [Tensor?] {
        let nodes = sources.map(\.gradNode)
        _ = try run(target, capturing: nodes.compactMap { $0 })
        return nodes.map { $0?.inputGradient }
    }

    /// The gradient of `target` with respect to one tensor.
    public func gradient(_ target: Tensor, _ source: Tensor) throws -> Tensor? {
        try gradient(target, [source])[0]
    }

    /// Runs the backward pass from `target` once, collecting parameter gradients by
    /// identity and keeping the gradients that reach `capturing`.
    private func run(_ target: Tensor, capturing: [GradNode]) throws -> [ObjectIdentifier: Tensor] {
        guard !used else {
            throw SwiftCNNError("GradientTape.gradient: this tape already computed its gradients; record again with a new tape")
        }
        used = true
        guard target.gradNode != nil else { return [:] }
        for node in capturing {
            node.inputGradient = nil
            node.capturesGradient = true
        }
        let collector = GradientCollector()
        try target.backward(seed: nil, onParameterReady: nil, collector: collector)
        return collector.gradients
    }
}

/// Where a tape's backward pass puts parameter gradients instead of `Parameter.gradient`.
final class GradientCollector {
    var gradients: [ObjectIdentifier: Tensor] = [:]

    func add(_ gradient: Tensor, for parameter: Parameter) {
        let key = ObjectIdentifier(parameter)
        if let existing = gradients[key] {
            gradients[key] = existing.adding(gradient)
        } else {
            gradients[key] = gradient.detached
        }
    }
}
