import Foundation

/// A loss: the mean over the batch of a per-sample loss (Keras's
/// `SUM_OVER_BATCH_SIZE`), returned as a scalar tensor that records its backward rule.
public protocol Loss: AnyObject {
    /// Keras's loss name, used in logs (`sparse_categorical_crossentropy`).
    var name: String { get }
    func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor
}

/// Keras's epsilon for clipping probabilities.
let probabilityEpsilon: Float = 1e-7

/// Cross-entropy of integer class labels (`[N]` or `[N, 1]`) against `[N, classes]`
/// predictions. On softmax outputs it works from the softmax's logits, as tf-keras does,
/// so a confidently wrong prediction still has a gradient.
public final class SparseCategoricalCrossentropy: Loss {
    public let fromLogits: Bool
    public let name = "sparse_categorical_crossentropy"

    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor {
        let (rows, classes) = try checkClassShapes(name, yPred)
        guard yTrue.count == rows else {
            throw SwiftCNNError.shapeMismatch(name, "labels \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        let labels = try classLabels(yTrue, classes: classes, op: name)
        let targets = { (r: Int, j: Int) -> Float in labels[r] == j ? 1 : 0 }
        return try crossEntropy(yPred, rows: rows, classes: classes, fromLogits: fromLogits, normalize: false, target: targets)
    }
}

/// Cross-entropy of one-hot (or soft) targets `[N, classes]`.
public final class CategoricalCrossentropy: Loss {
    public let fromLogits: Bool
    public let name = "categorical_crossentropy"

    public init(fromLogits: Bool = false) { self.fromLogits = fromLogits }

    public func callAsFunction(_ yTrue: Tensor, _ yPred: Tensor) throws -> Tensor {
        let (rows, classes) = try checkClassShapes(name, yPred)
        guard yTrue.shape == yPred.shape else {
            throw SwiftCNNError.shapeMismatch(name, "targets \(describe(yTrue.shape)) do not match predictions \(describe(yPred.shape))")
        }
        return try crossEntropy(yPred, rows: rows, classes: classes, fromLogits: fromLogits, normalize: true) {
            yTrue.pointer[$0 * classes + $1]
        }
    }
}

/// Mean of squared differences over every element.
public final class MeanSquaredError: Loss {
    public let name = "mean_squared_error"
    public init() {}

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
        loss.record([yPred]) { seed in
            let scale = 2 * seed.pointer[0] / Float(max(n, 1))
            let grad = Tensor(uninitializedShape: yPred.shape)
            for i in 0..<n { grad.pointer[i] = (yPred.pointer[i] - yTrue.pointer[i]) * scale }
            return [grad]
        }
        return loss
    }
}

private func checkClassShapes(_ op: String, _ yPred: Tensor) throws -> (rows: Int, classes: Int) {
    guard yPred.rank == 2, yPred.shape[1] > 0 else {
        throw SwiftCNNError.shapeMismatch(op, "predictions must be [batch, classes], got \(describe(yPred.shape))")
    }
    return (yPred.shape[0], yPred.shape[1])
}

/// Integer labels from a float tensor, each checked to be a class index.
func classLabels(_ yTrue: Tensor, classes: Int, op: String) throws -> [Int] {
    var labels = [Int](repeating: 0, count: yTrue.count)
    for i in 0..<yTrue.count {
        let value = yTrue.pointer[i]
        guard value >= 0, value < Float(classes), value == value.rounded() else {
            throw SwiftCNNError("\(op): label \(value) at index \(i) is not a class index in 0..<\(classes)")
        }
        labels[i] = Int(value)
    }
    return labels
}

/// Shared cross-entropy: from logits via log-softmax, or from probabilities clipped to
/// [ε, 1 − ε] as Keras's backend does (`normalize` first rescales rows to sum to 1, as
/// Keras's categorical version does).
private func crossEntropy(
    _ yPred: Tensor, rows: Int, classes: Int, fromLogits: Bool, normalize: Bool,
    target: @escaping (Int, Int) -> Float
) throws -> Tensor {
    if fromLogits || yPred.softmaxLogits != nil {
        let logits = fromLogits ? yPred : yPred.softmaxLogits!.tensor
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
                let t = target(r, j)
                if t != 0 { total += Double(t * (logSum - z[j])) }
            }
        }
        var loss = Tensor(shape: [], repeating: Float(total / Double(max(rows, 1))))
        loss.record([logits]) { seed in
            let scale = seed.pointer[0] / Float(max(rows, 1))
            let grad = Tensor(uninitializedShape: logits.shape)
            for r in 0..<rows {
                var targetSum: Float = 0
                for j in 0..<classes { targetSum += target(r, j) }
                for j in 0..<classes {
                    let i = r * classes + j
                    grad.pointer[i] = (softmax.pointer[i] * targetSum - target(r, j)) * scale
                }
            }
            return [grad]
        }
        return loss
    }
    // Probabilities: Keras clips, takes logs and applies softmax cross-entropy to them,
    // which for rows summing to one is −Σ t·log p.
    let probabilities = Tensor(uninitializedShape: yPred.shape)
    var rowSums = [Float](repeating: 1, count: rows)
    for r in 0..<rows {
        let (p, q) = (yPred.pointer + r * classes, probabilities.pointer + r * classes)
        if normalize {
            var sum: Float = 0
            for j in 0..<classes { sum += p[j] }
            rowSums[r] = sum
        }
        for j in 0..<classes {
            q[j] = min(max(p[j] / rowSums[r], probabilityEpsilon), 1 - probabilityEpsilon)
        }
    }
    var total: Double = 0
    for r in 0..<rows {
        let q = probabilities.pointer + r * classes
        var sum: Float = 0
        for j in 0..<classes { sum += q[j] }
        for j in 0..<classes {
            let t = target(r, j)
            if t != 0 { total += Double(t * (logf(sum) - logf(q[j]))) }
        }
    }
    var loss = Tensor(shape: [], repeating: Float(total / Double(max(rows, 1))))
    let rowSumsCopy = rowSums
    loss.record([yPred]) { seed in
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
                let clipped = (p[j] / rowSumsCopy[r]) <= probabilityEpsilon || (p[j] / rowSumsCopy[r]) >= 1 - probabilityEpsilon
                g[j] = clipped ? 0 : (targetSum / qSum - target(r, j) / q[j])
                dotQ += g[j] * p[j] / rowSumsCopy[r]
            }
            for j in 0..<classes {
                g[j] = (normalize ? (g[j] - dotQ) / rowSumsCopy[r] : g[j]) * scale
            }
        }
        return [grad]
    }
    return loss
}
