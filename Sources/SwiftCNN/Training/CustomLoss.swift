/// A loss written as a closure of ops, for `compile` and for custom loops:
///
/// ```swift
/// let huber = CustomLoss(name: "huber") { yTrue, yPred in
///     let error = try abs(yPred - yTrue)
///     let quadratic = try minimum(error, 1)
///     return try mean(try 0.5 * square(quadratic) + (error - quadratic))
/// }
/// model.compile(optimizer: Adam(), loss: huber)
/// ```
/// The closure returns a scalar tensor; its gradient comes from the ops it is made of. A
/// loss type of your own conforms to `Loss` instead.
public final class CustomLoss: Loss {
    public let name: String
    private let body: (Tensor, Tensor) throws -> Tensor

    /// A loss named `name` (the key of its values in logs and history) computed by `body`
    /// from the labels and the predictions.
    public init(name: String = "loss", _ body: @escaping (_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor) {
        self.name = name
        self.body = body
    }

    /// The closure's value, checked to be a scalar.
    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor {
        let value = try body(yTrue, yPred)
        guard value.count == 1 else {
            throw SwiftCNNError("\(name): a loss must return a scalar, got shape \(describe(value.shape)); reduce it with mean or sum")
        }
        return value.rank == 0 ? value : try value.reshaped([])
    }
}

extension Metric {
    /// Adds a batch and returns the value so far, as calling a Keras metric does.
    @discardableResult
    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Double {
        try update(yTrue, yPred)
        return result
    }
}
