/// A metric accumulated over the batches of an epoch.
public protocol Metric: AnyObject {
    /// Keras's metric name (`sparse_categorical_accuracy`), used as the history key.
    var name: String { get }
    /// Starts a new epoch's accumulation.
    func reset()
    /// Adds a batch's labels and predictions.
    func update(_ yTrue: Tensor, _ yPred: Tensor) throws
    /// The value over the batches since the last reset.
    var result: Double { get }
    /// The running sums, for resuming an interrupted epoch.
    var state: [Double] { get }
    /// Sets the running sums saved by ``state``.
    func restore(_ state: [Double])
    /// Whether a higher value is better (Keras's `_direction == "up"`), for callbacks that
    /// monitor it in `auto` mode; nil when the metric does not say.
    var higherIsBetter: Bool? { get }
}

extension Metric {
    public var state: [Double] { [] }
    /// Not known: an `auto`-mode callback monitoring it asks for a mode.
    public var higherIsBetter: Bool? { nil }
    /// Does nothing: a metric without running sums has nothing to restore.
    public func restore(_ state: [Double]) {}
}

/// How often the arg-max of the prediction equals the integer label.
public final class SparseCategoricalAccuracy: Metric {
    public let name = "sparse_categorical_accuracy"
    public var higherIsBetter: Bool? { true }
    private var correct = 0
    private var total = 0

    /// Keras's `SparseCategoricalAccuracy()`: integer labels against the arg-max of the
    /// predictions.
    public init() {}

    /// Forgets the counts.
    public func reset() { (correct, total) = (0, 0) }

    /// Counts the samples whose predicted class is the label.
    public func update(_ yTrue: Tensor, _ yPred: Tensor) throws {
        guard yPred.rank == 2, yTrue.count == yPred.shape[0] else {
            throw SwiftCNNError.shapeMismatch(name, "labels \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        let classes = yPred.shape[1]
        for r in 0..<yPred.shape[0] where argmax(yPred.pointer + r * classes, classes) == Int(yTrue.pointer[r]) {
            correct += 1
        }
        total += yPred.shape[0]
    }

    /// The fraction of samples predicted right since the last reset.
    public var result: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    public var state: [Double] { [Double(correct), Double(total)] }

    /// Sets the counts saved by ``state``.
    public func restore(_ state: [Double]) {
        guard state.count == 2, let correct = Int(exactly: state[0]), let total = Int(exactly: state[1]) else { return }
        (self.correct, self.total) = (correct, total)
    }
}

/// Like `SparseCategoricalAccuracy` for one-hot targets.
public final class CategoricalAccuracy: Metric {
    public let name = "categorical_accuracy"
    public var higherIsBetter: Bool? { true }
    private var correct = 0
    private var total = 0

    /// Keras's `CategoricalAccuracy()`: one-hot labels against the arg-max of the
    /// predictions.
    public init() {}

    /// Forgets the counts.
    public func reset() { (correct, total) = (0, 0) }

    /// Counts the samples whose predicted class is the label's.
    public func update(_ yTrue: Tensor, _ yPred: Tensor) throws {
        guard yPred.rank == 2, yTrue.shape == yPred.shape else {
            throw SwiftCNNError.shapeMismatch(name, "targets \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        let classes = yPred.shape[1]
        for r in 0..<yPred.shape[0]
        where argmax(yPred.pointer + r * classes, classes) == argmax(yTrue.pointer + r * classes, classes) {
            correct += 1
        }
        total += yPred.shape[0]
    }

    /// The fraction of samples predicted right since the last reset.
    public var result: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    public var state: [Double] { [Double(correct), Double(total)] }

    /// Sets the counts saved by ``state``.
    public func restore(_ state: [Double]) {
        guard state.count == 2, let correct = Int(exactly: state[0]), let total = Int(exactly: state[1]) else { return }
        (self.correct, self.total) = (correct, total)
    }
}

/// Index of the first largest value, as `tf.argmax`.
func argmax(_ values: UnsafePointer<Float>, _ count: Int) -> Int {
    var best = 0
    for j in 1..<max(count, 1) where values[j] > values[best] { best = j }
    return best
}
