/// The three matrix products of a dense layer, each split across the thread pool by
/// output columns (a batch of 32 rows is too few to split by rows).
enum DenseKernels {
    /// Below this many multiply-adds a product runs on one thread.
    static let parallelThreshold = 1 << 16

    /// y[batch, units] = x[batch, features] · W[features, units]
    static func forward(
        _ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
        batch: Int, features: Int, units: Int
    ) {
        // Whole 16-column blocks, the last one taking the remainder: a part of a few
        // columns runs SGEMM at a fraction of its width (and OpenBLAS's AVX-512 small
        // kernel allocates for one of 1 to 8, see `Gemm.smallKernelCopiesA`).
        let blocks = max(1, units / 16)
        ThreadPool.shared.parallelFor(blocks, minimumWork: parallelThreshold, work: batch * features * units, chunksPerThread: 2) { _, range in
            let first = range.lowerBound * 16
            let end = range.upperBound == blocks ? units : range.upperBound * 16
            Gemm.multiply(
                x, w + first, into: y + first, m: batch, n: end - first, k: features, ldb: units, ldc: units)
        }
    }

    /// dW[features, units] = xᵀ · dy
    static func kernelGradient(
        _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, into dw: UnsafeMutablePointer<Float>,
        batch: Int, features: Int, units: Int
    ) {
        ThreadPool.shared.parallelFor(units, minimumWork: parallelThreshold, work: batch * features * units, chunksPerThread: 2) { _, cols in
            Gemm.multiply(
                x, transposeA: true, dy + cols.lowerBound, into: dw + cols.lowerBound, m: features, n: cols.count, k: batch,
                lda: features, ldb: units, ldc: units)
        }
    }

    /// dx[batch, features] = dy · Wᵀ, or (`accumulate`) dx += dy · Wᵀ.
    static func inputGradient(
        _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
        batch: Int, features: Int, units: Int, accumulate: Bool = false
    ) {
        ThreadPool.shared.parallelFor(features, minimumWork: parallelThreshold, work: batch * features * units, chunksPerThread: 2) { _, rows in
            Gemm.multiply(
                dy, w + rows.lowerBound * units, transposeB: true, into: dx + rows.lowerBound, m: batch, n: rows.count,
                k: units, beta: accumulate ? 1 : 0, ldb: units, ldc: features)
        }
    }
}
