import Foundation

/// A loss: the mean over the batch of a per-sample loss (Keras's
/// `SUM_OVER_BATCH_SIZE`), returned as a scalar tensor that records its backward rule.
public protocol Loss: AnyObject {
    /// Keras's loss name, used in logs (`sparse_categorical_crossentropy`).
    var name: String { get }
    /// The mean loss of the batch as a scalar tensor.
    func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor
}

/// Keras's epsilon for clipping probabilities.
let probabilityEpsilon: Float = 1e-7

/// Cross-entropy of integer class labels (`[N]` or `[N, 1]`) against `[N, classes]`
/// predictions. On softmax outputs it works from the softmax's logits, as tf-keras does,
/// so a confidently wrong prediction still has a gradient.
public final class SparseCategoricalCrossentropy: Loss {
    /// Whether `yPred` holds logits (true) or probabilities (false, the course's softmax
    /// outputs).
    public let fromLogits: Bool
    public let name = "sparse_categorical_crossentropy"

    /// Keras's `SparseCategoricalCrossentropy(from_logits)`: integer labels `[N]`,
    /// predictions `[N, classes]`.
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    /// The mean cross-entropy of the predicted class distributions against integer labels.
    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor {
        let (rows, classes) = try checkClassShapes(name, yPred)
        guard yTrue.count == rows else {
            throw SwiftCNNError.shapeMismatch(name, "labels \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        try checkClassLabels(yTrue, classes: classes, op: name)
        let targets = ClassTargets(yTrue, sparse: true, classes: classes)
        return crossEntropy(yPred, rows: rows, classes: classes, fromLogits: fromLogits, targets: targets)
    }
}

/// Cross-entropy of one-hot (or soft) targets `[N, classes]`.
public final class CategoricalCrossentropy: Loss {
    /// Whether `yPred` holds logits (true) or probabilities (false).
    public let fromLogits: Bool
    public let name = "categorical_crossentropy"

    /// Keras's `CategoricalCrossentropy(from_logits)`: one-hot labels and predictions of
    /// one shape.
    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    /// The mean cross-entropy of the predictions against one-hot labels.
    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor {
        let (rows, classes) = try checkClassShapes(name, yPred)
        guard yTrue.shape == yPred.shape else {
            throw SwiftCNNError.shapeMismatch(name, "targets \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        let targets = ClassTargets(yTrue, sparse: false, classes: classes)
        return crossEntropy(yPred, rows: rows, classes: classes, fromLogits: fromLogits, targets: targets)
    }
}

/// Mean of squared differences over every element.
public final class MeanSquaredError: Loss {
    public let name = "mean_squared_error"
    /// Keras's `MeanSquaredError()`.
    public init() {}

    /// The mean over the batch of the mean squared difference per sample.
    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor {
        guard yTrue.count == yPred.count else {
            throw SwiftCNNError.shapeMismatch(name, "targets \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        let n = yPred.count
        var sum: Double = 0
        for i in 0..<n {
            let d = Double(yPred.pointer[i] - yTrue.pointer[i])
            sum += d * d
        }
        var loss = Tensor(shape: [], repeating: Float(sum / Double(max(n, 1))))
        loss.record(self, yPred)?.saved = .regression(predictions: yPred.detached, targets: yTrue.detached)
        return loss
    }
}

extension MeanSquaredError: BackwardRule {
    func backward(_ node: GradNode, _ seed: Tensor) throws {
        guard case let .regression(yPred, yTrue) = node.saved else { throw SavedForBackward.mismatch(name) }
        let n = yPred.count
        let scale = 2 * seed.pointer[0] / Float(max(n, 1))
        let grad = Tensor(uninitializedShape: yPred.shape)
        for i in 0..<n { grad.pointer[i] = (yPred.pointer[i] - yTrue.pointer[i]) * scale }
        node.send(grad, toInput: 0)
    }
}

private func checkClassShapes(_ op: String, _ yPred: Tensor) throws -> (rows: Int, classes: Int) {
    guard yPred.rank == 2, yPred.shape[1] > 0 else {
        throw SwiftCNNError.shapeMismatch(op, "predictions must be [batch, classes], got \(describe(yPred.shape))")
    }
    return (yPred.shape[0], yPred.shape[1])
}

/// Checks that every label is a class index.
func checkClassLabels(_ yTrue: Tensor, classes: Int, op: String) throws {
    for i in 0..<yTrue.count {
        let value = yTrue.pointer[i]
        guard value >= 0, value < Float(classes), value == value.rounded() else {
            throw SwiftCNNError("\(op): label \(value) at index \(i) is not a class index in 0..<\(classes)")
        }
    }
}

/// The target weight of class `j` for sample `r`: from checked integer labels (sparse) or
/// from rows of weights (one-hot or soft).
struct ClassTargets {
    let values: Tensor
    let isSparse: Bool
    let classes: Int

    init(_ values: Tensor, sparse: Bool, classes: Int) {
        (self.values, isSparse, self.classes) = (values.detached, sparse, classes)
    }

    func callAsFunction(_ r: Int, _ j: Int) -> Float {
        isSparse ? (Int(values.pointer[r]) == j ? 1 : 0) : values.pointer[r * classes + j]
    }
}

/// Shared cross-entropy: from logits via log-softmax, or from probabilities clipped to
/// [ε, 1 − ε] as Keras's backend does (dense targets first rescale rows to sum to 1, as
/// Keras's categorical version does).
private func crossEntropy(_ yPred: Tensor, rows: Int, classes: Int, fromLogits: Bool, targets: ClassTargets) -> Tensor {
    let logits = fromLogits ? yPred : yPred.logitsOfSoftmax
    guard let logits else {
        return crossEntropy(probabilities: yPred, rows: rows, classes: classes, targets: targets)
    }
    let softmax = Tensor(uninitializedShape: logits.shape)
    var total: Double = 0
    for r in 0..<rows {
        let (z, s) = (logits.pointer + r * classes, softmax.pointer + r * classes)
        var peak = -Float.infinity
        for j in 0..<classes { peak = max(peak, z[j]) }
        var sum: Float = 0
        for j in 0..<classes {
            s[j] = expf(z[j] - peak)
            sum += s[j]
        }
        let logSum = logf(sum) + peak
        for j in 0..<classes {
            s[j] /= sum
            let t = targets(r, j)
            if t != 0 { total += Double(t * (logSum - z[j])) }
        }
    }
    var loss = Tensor(shape: [], repeating: Float(total / Double(max(rows, 1))))
    let rule = targets.isSparse ? CrossEntropyGradient.sparseFromLogits : CrossEntropyGradient.denseFromLogits
    loss.record(rule, logits)?.saved = .crossEntropy(probabilities: softmax, targets: targets.values.detached)
    return loss
}

/// Probabilities: Keras clips, takes logs and applies softmax cross-entropy to them,
/// which for rows summing to one is −Σ t·log p.
private func crossEntropy(probabilities yPred: Tensor, rows: Int, classes: Int, targets: ClassTargets) -> Tensor {
    let normalize = !targets.isSparse
    let probabilities = Tensor(uninitializedShape: yPred.shape)
    let rowSums = Tensor(shape: Shapes.of(rows), repeating: 1)
    for r in 0..<rows {
        let (p, q) = (yPred.pointer + r * classes, probabilities.pointer + r * classes)
        if normalize {
            var sum: Float = 0
            for j in 0..<classes { sum += p[j] }
            rowSums.pointer[r] = sum
        }
        for j in 0..<classes {
            q[j] = min(max(p[j] / rowSums.pointer[r], probabilityEpsilon), 1 - probabilityEpsilon)
        }
    }
    var total: Double = 0
    for r in 0..<rows {
        let q = probabilities.pointer + r * classes
        var sum: Float = 0
        for j in 0..<classes { sum += q[j] }
        for j in 0..<classes {
            let t = targets(r, j)
            if t != 0 { total += Double(t * (logf(sum) - logf(q[j]))) }
        }
    }
    var loss = Tensor(shape: [], repeating: Float(total / Double(max(rows, 1))))
    let rule = targets.isSparse ? CrossEntropyGradient.sparseFromProbabilities : CrossEntropyGradient.denseFromProbabilities
    loss.record(rule, yPred)?.saved = .probabilityCrossEntropy(
        predictions: yPred.detached, clipped: probabilities, rowSums: rowSums, targets: targets.values.detached)
    return loss
}

/// Cross-entropy's backward, from logits or from probabilities.
final class CrossEntropyGradient: BackwardRule, Sendable {
    static let sparseFromLogits = CrossEntropyGradient(sparse: true, fromLogits: true)
    static let denseFromLogits = CrossEntropyGradient(sparse: false, fromLogits: true)
    static let sparseFromProbabilities = CrossEntropyGradient(sparse: true, fromLogits: false)
    static let denseFromProbabilities = CrossEntropyGradient(sparse: false, fromLogits: false)

    private let sparse: Bool
    private let fromLogits: Bool

    private init(sparse: Bool, fromLogits: Bool) { (self.sparse, self.fromLogits) = (sparse, fromLogits) }

    func backward(_ node: GradNode, _ seed: Tensor) throws {
        switch node.saved {
        case let .crossEntropy(softmax, targets) where fromLogits:
            fromLogits(softmax: softmax, targets: targets, node, seed)
        case let .probabilityCrossEntropy(yPred, probabilities, rowSums, targets) where !fromLogits:
            fromProbabilities(yPred: yPred, probabilities: probabilities, rowSums: rowSums, targets: targets, node, seed)
        default:
            throw SavedForBackward.mismatch("cross-entropy")
        }
    }

    private func fromLogits(softmax: Tensor, targets: Tensor, _ node: GradNode, _ seed: Tensor) {
        let (rows, classes) = (softmax.shape[0], softmax.shape[1])
        let target = ClassTargets(targets, sparse: sparse, classes: classes)
        let scale = seed.pointer[0] / Float(max(rows, 1))
        let grad = Tensor(uninitializedShape: softmax.shape)
        for r in 0..<rows {
            var targetSum: Float = 0
            for j in 0..<classes { targetSum += target(r, j) }
            for j in 0..<classes {
                let i = r * classes + j
                grad.pointer[i] = (softmax.pointer[i] * targetSum - target(r, j)) * scale
            }
        }
        node.send(grad, toInput: 0)
    }

    private func fromProbabilities(
        yPred: Tensor, probabilities: Tensor, rowSums sums: Tensor, targets: Tensor, _ node: GradNode, _ seed: Tensor
    ) {
        let rowSums = sums.pointer
        let (rows, classes) = (yPred.shape[0], yPred.shape[1])
        let target = ClassTargets(targets, sparse: sparse, classes: classes)
        let normalize = !sparse
        let scale = seed.pointer[0] / Float(max(rows, 1))
        let grad = Tensor(uninitializedShape: yPred.shape)
        for r in 0..<rows {
            let (p, q, g) = (yPred.pointer + r * classes, probabilities.pointer + r * classes, grad.pointer + r * classes)
            var qSum: Float = 0
            var targetSum: Float = 0
            for j in 0..<classes {
                qSum += q[j]
                targetSum += target(r, j)
            }
            // d/dq_j of Σ t·(log Σq − log q_j), zero where the clip was active.
            var dotQ: Float = 0
            for j in 0..<classes {
                let clipped = (p[j] / rowSums[r]) <= probabilityEpsilon || (p[j] / rowSums[r]) >= 1 - probabilityEpsilon
                g[j] = clipped ? 0 : (targetSum / qSum - target(r, j) / q[j])
                dotQ += g[j] * p[j] / rowSums[r]
            }
            for j in 0..<classes {
                g[j] = (normalize ? (g[j] - dotQ) / rowSums[r] : g[j]) * scale
            }
        }
        node.send(grad, toInput: 0)
    }
}
