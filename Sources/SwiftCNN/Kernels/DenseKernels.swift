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
        ThreadPool.shared.parallelFor(units, minimumWork: parallelThreshold, work: batch * features * units, chunksPerThread: 2) { _, cols in
            Gemm.multiply(
                x, w + cols.lowerBound, into: y + cols.lowerBound, m: batch, n: cols.count, k: features,
                ldb: units, ldc: units)
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

    /// dx[batch, features] = dy · Wᵀ
    static func inputGradient(
        _ dy: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
        batch: Int, features: Int, units: Int
    ) {
        ThreadPool.shared.parallelFor(features, minimumWork: parallelThreshold, work: batch * features * units, chunksPerThread: 2) { _, rows in
            Gemm.multiply(
                dy, w + rows.lowerBound * units, transposeB: true, into: dx + rows.lowerBound, m: batch, n: rows.count,
                k: units, ldb: units, ldc: features)
        }
    }
}
