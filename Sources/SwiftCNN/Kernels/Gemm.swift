import COpenBLAS

/// Row-major SGEMM on OpenBLAS: `c = alpha * op(a) * op(b) + beta * c`, where op(a) is
/// m×k, op(b) is k×n and c is m×n. Every convolution and dense layer ends up here.
/// Leading dimensions default to packed matrices; pass them to work on column blocks.
enum Gemm {
    static func multiply(
        _ a: UnsafePointer<Float>, transposeA: Bool = false,
        _ b: UnsafePointer<Float>, transposeB: Bool = false,
        into c: UnsafeMutablePointer<Float>,
        m: Int, n: Int, k: Int, alpha: Float = 1, beta: Float = 0,
        lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            if beta == 0 {
                for row in 0..<m { (c + row * (ldc ?? n)).update(repeating: 0, count: n) }
            }
            return
        }
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha,
            a, blasint(lda ?? (transposeA ? m : k)),
            b, blasint(ldb ?? (transposeB ? k : n)),
            beta, c, blasint(ldc ?? n))
    }
}
