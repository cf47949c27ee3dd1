/// Matrix products as `keras.ops.matmul` / `tf.linalg.matmul`: `[m, k]·[k, n]`, and stacks
/// of matrices `[..., m, k]·[..., k, n]` whose leading (batch) axes broadcast.

/// The matrix product of the last two axes of `lhs` and `rhs`, over broadcast batch axes.
public func matmul(_ lhs: some TensorOperand, _ rhs: some TensorOperand) throws -> Tensor {
    let (a, b) = (lhs.operand, rhs.operand)
    guard a.rank >= 2, b.rank >= 2 else {
        throw SwiftCNNError("matmul: both operands need at least 2 axes, got \(describe(a.shape)) and \(describe(b.shape))")
    }
    let (m, k) = (a.shape[a.rank - 2], a.shape[a.rank - 1])
    let (k2, n) = (b.shape[b.rank - 2], b.shape[b.rank - 1])
    guard k == k2 else {
        throw SwiftCNNError("matmul: inner sizes differ: \(describe(a.shape)) · \(describe(b.shape)) (\(k) vs \(k2))")
    }
    let batch = try broadcastShape(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2)), op: "matmul")
    var result = multiplyBatches(a, b, batch: batch, m: m, n: n, k: k, transposeA: false, transposeB: false)
    if let node = result.record(MatMulGradient.shared, a, b) { node.saved = .operands(lhs: a.detached, rhs: b.detached) }
    return result
}

/// `op(a)·op(b)` for every batch index of `batch`, reading each operand's matrix at its
/// broadcast position; `op` transposes the last two axes when asked.
private func multiplyBatches(
    _ a: Tensor, _ b: Tensor, batch: [Int], m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool
) -> Tensor {
    let result = Tensor(uninitializedShape: batch + [m, n])
    let count = batch.reduce(1, *)
    let aBatch = Array(a.shape.dropLast(2)), bBatch = Array(b.shape.dropLast(2))
    let aStrides = broadcastStrides(aBatch, to: batch), bStrides = broadcastStrides(bBatch, to: batch)
    let batchStrides = rowMajorStrides(batch)
    for index in 0..<count {
        var (aMatrix, bMatrix, rest) = (0, 0, index)
        for axis in 0..<batch.count {
            let position = rest / batchStrides[axis]
            rest %= batchStrides[axis]
            aMatrix += position * aStrides[axis]
            bMatrix += position * bStrides[axis]
        }
        Gemm.multiply(
            a.pointer + aMatrix * m * k, transposeA: transposeA, b.pointer + bMatrix * k * n, transposeB: transposeB,
            into: result.pointer + index * m * n, m: m, n: n, k: k)
    }
    withExtendedLifetime((a, b)) {}
    return result
}

/// dA = dC·Bᵀ and dB = Aᵀ·dC per batch, summed over the axes each operand was broadcast on.
final class MatMulGradient: BackwardRule, Sendable {
    static let shared = MatMulGradient()

    func backward(_ node: GradNode, _ gradient: Tensor) throws {
        guard case let .operands(a, b) = node.saved else { throw SavedForBackward.mismatch("matmul") }
        let (m, k, n) = (a.shape[a.rank - 2], a.shape[a.rank - 1], b.shape[b.rank - 1])
        let batch = Array(gradient.shape.dropLast(2))
        if node.needsGradient(0) {
            // dA[m, k] = dC[m, n] · B[k, n]ᵀ
            let full = multiplyBatches(gradient, b, batch: batch, m: m, n: k, k: n, transposeA: false, transposeB: true)
            node.send(full.summed(toShape: a.shape), toInput: 0)
        }
        if node.needsGradient(1) {
            // dB[k, n] = A[m, k]ᵀ · dC[m, n]
            let full = multiplyBatches(a, gradient, batch: batch, m: k, n: n, k: m, transposeA: true, transposeB: false)
            node.send(full.summed(toShape: b.shape), toInput: 1)
        }
    }
}
