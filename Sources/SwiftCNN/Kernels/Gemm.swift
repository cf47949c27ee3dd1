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
        if m == 1 {
            // One row (a dense layer or a 1×1 map at batch 1): SGEMV reads `b` once, where
            // SGEMM would first copy all of it into its packed panels, twice the memory
            // traffic of a product that is bound by it.
            cblas_sgemv(
                CblasRowMajor, transposeB ? CblasNoTrans : CblasTrans,
                blasint(transposeB ? n : k), blasint(transposeB ? k : n), alpha,
                b, blasint(ldb ?? (transposeB ? k : n)),
                a, blasint(transposeA ? (lda ?? m) : 1), beta, c, 1)
            return
        }
        if !transposeA, !transposeB, beta == 0, k >= 32, n > 16, (1...8).contains(n % 16),
           Double(m) * Double(n) * Double(k) <= 1e6, smallKernelCopiesA
        {
            // OpenBLAS's AVX-512 small-matrix kernel mallocs a copy of A for the last
            // n mod 16 columns when they are 1 to 8 (it works column-major, so our columns
            // are its rows). The 16-column blocks, then the last 16 columns again (the
            // overlap is recomputed to the same values), leave it nothing to copy.
            let blocks = n - n % 16
            multiply(a, b, into: c, m: m, n: blocks, k: k, alpha: alpha, lda: lda, ldb: ldb ?? n, ldc: ldc ?? n)
            let last = n - 16
            multiply(a, b + last, into: c + last, m: m, n: 16, k: k, alpha: alpha, lda: lda, ldb: ldb ?? n, ldc: ldc ?? n)
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

    /// Whether OpenBLAS runs its AVX-512 small-matrix SGEMM here (the SkylakeX family of
    /// kernels, chosen at load time from the CPU), whose last partial block allocates.
    static let smallKernelCopiesA: Bool = {
        guard let name = openblas_get_corename() else { return false }
        return ["skylakex", "cooperlake", "sapphirerapids"].contains(String(cString: name).lowercased())
    }()
}
