import Foundation

/// Layer normalisation over the last axis, as `keras.ops.layer_normalization`:
/// `(x − mean) / sqrt(variance + epsilon) · gamma + beta` per row, with the biased
/// variance of the row.
///
/// - Parameters:
///   - input: Any rank ≥ 1; rows are the last axis.
///   - gamma: `[features]` scale, or nil for none (Keras's `scale=False`).
///   - beta: `[features]` offset, or nil for none (Keras's `center=False`).
///   - epsilon: Added to the variance before the square root (Keras's default 1e-3).
public func layerNormalization(_ input: some TensorOperand, gamma: (any TensorOperand)? = nil, beta: (any TensorOperand)? = nil, epsilon: Float = 1e-3) throws -> Tensor {
    let input = input.operand
    let gamma = gamma?.operand
    let beta = beta?.operand
    return try layerNormalization(
        input, gamma: gamma, beta: beta,
        rule: LayerNormalizationGradient(epsilon: epsilon, scale: gamma != nil, center: beta != nil), op: "layerNormalization")
}

/// `layerNormalization` with a long-lived rule (a layer's), naming `op` in errors.
func layerNormalization(_ input: Tensor, gamma: Tensor?, beta: Tensor?, rule: LayerNormalizationGradient, op: String) throws -> Tensor {
    guard let features = input.shape.last, features > 0 else {
        throw SwiftCNNError("\(op): expected an input with a non-empty last axis, got shape \(describe(input.shape))")
    }
    for (name, value) in [("gamma", gamma), ("beta", beta)] {
        if let value, value.shape != [features] {
            throw SwiftCNNError("\(op): \(name) shape \(describe(value.shape)) does not match the \(features) features of input \(describe(input.shape))")
        }
    }
    let rows = input.count / features
    let normalized = Tensor(uninitializedShape: input.shape)
    let inverse = Tensor(uninitializedShape: Shapes.of(rows))
    var output = Tensor(uninitializedShape: input.shape)
    let (x, xhat, inv, y) = (UnsafePointer(input.pointer), normalized.pointer, inverse.pointer, output.pointer)
    let (g, b, epsilon) = (gamma.map { UnsafePointer($0.pointer) }, beta.map { UnsafePointer($0.pointer) }, rule.epsilon)
    ThreadPool.shared.parallelFor(rows, minimumWork: 1 << 14, work: input.count) { _, range in
        for r in range {
            let (row, nrow, out) = (x + r * features, xhat + r * features, y + r * features)
            var mean: Float = 0
            for j in 0..<features { mean += row[j] }
            mean /= Float(features)
            var variance: Float = 0
            for j in 0..<features { variance += (row[j] - mean) * (row[j] - mean) }
            variance /= Float(features)
            let scale = 1 / (variance + epsilon).squareRoot()
            inv[r] = scale
            for j in 0..<features {
                let value = (row[j] - mean) * scale
                nrow[j] = value
                out[j] = value * (g?[j] ?? 1) + (b?[j] ?? 0)
            }
        }
    }
    var inputs = [input]
    if let gamma { inputs.append(gamma) }
    if let beta { inputs.append(beta) }
    output.record(rule, inputs: inputs)?.saved = .layerNormalization(
        normalized: normalized.detached, inverseStd: inverse.detached, gamma: gamma?.detached)
    return output
}

/// dx = inv · (dx̂ − mean(dx̂) − x̂ · mean(dx̂ · x̂)) with dx̂ = dy · gamma; dgamma = Σ dy · x̂,
/// dbeta = Σ dy over rows (per-chunk partials added in chunk order).
/// Saved: x̂, the per-row 1/σ, and gamma when `scale`. Inputs: input, gamma (if `scale`),
/// beta (if `center`).
final class LayerNormalizationGradient: BackwardRule, Sendable {
    let epsilon: Float
    let scale: Bool
    let center: Bool

    init(epsilon: Float, scale: Bool, center: Bool) {
        (self.epsilon, self.scale, self.center) = (epsilon, scale, center)
    }

    func backward(_ node: GradNode, _ gradOutput: Tensor) throws {
        guard case let .layerNormalization(normalized, inverse, gamma) = node.saved else {
            throw SavedForBackward.mismatch("layerNormalization")
        }
        let features = normalized.shape.last ?? 1
        let rows = normalized.count / features
        let gammaIndex = scale ? 1 : nil
        let betaIndex = center ? (scale ? 2 : 1) : nil
        let chunks = ThreadPool.shared.reductionChunks(rows)
        // Per chunk: Σ dy·x̂ then Σ dy, `features` each.
        let partials = Tensor(shape: Shapes.of(chunks * 2 * features), repeating: 0)
        let gradInput = node.needsGradient(0) ? Tensor(uninitializedShape: normalized.shape) : nil
        let (dy, xhat, inv, part) = (
            UnsafePointer(gradOutput.pointer), UnsafePointer(normalized.pointer), UnsafePointer(inverse.pointer), partials.pointer
        )
        let (g, dx) = (gamma.map { UnsafePointer($0.pointer) }, gradInput?.pointer)
        ThreadPool.shared.parallelChunks(rows, chunks: chunks) { _, chunk, range in
            let (sumsXhat, sums) = (part + chunk * 2 * features, part + chunk * 2 * features + features)
            for r in range {
                let (gRow, nRow) = (dy + r * features, xhat + r * features)
                for j in 0..<features {
                    sumsXhat[j] += gRow[j] * nRow[j]
                    sums[j] += gRow[j]
                }
                guard let dx else { continue }
                var meanD: Float = 0
                var meanDX: Float = 0
                for j in 0..<features {
                    let d = gRow[j] * (g?[j] ?? 1)
                    meanD += d
                    meanDX += d * nRow[j]
                }
                meanD /= Float(features)
                meanDX /= Float(features)
                let out = dx + r * features
                for j in 0..<features {
                    out[j] = inv[r] * (gRow[j] * (g?[j] ?? 1) - meanD - nRow[j] * meanDX)
                }
            }
        }
        if let gradInput { node.send(gradInput, toInput: 0) }
        for (index, offset) in [(gammaIndex, 0), (betaIndex, features)] {
            guard let index, node.needsGradient(index) else { continue }
            let total = Tensor(shape: Shapes.of(features), repeating: 0)
            for chunk in 0..<min(chunks, rows) {
                let source = part + chunk * 2 * features + offset
                for j in 0..<features { total.pointer[j] += source[j] }
            }
            node.send(total, toInput: index)
        }
    }
}
