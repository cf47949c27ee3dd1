import Testing

@testable import SwiftCNN

/// `Gemm.multiply` against the definition, for every transpose combination, with leading
/// dimensions wider than the matrices and a non-zero beta, at one row (which goes to SGEMV)
/// and at several (SGEMM).
@Suite struct GemmTests {
    @Test(arguments: [1, 3], [false, true]) func matchesTheDefinition(_ m: Int, _ transposeA: Bool) {
        let (n, k, pad) = (5, 7, 2)
        var random = RandomGenerator(seed: UInt64(m * 2 + (transposeA ? 1 : 0)))
        for transposeB in [false, true] {
            // Stored shapes: op(A) is m×k, op(B) is k×n; each row padded by `pad` floats.
            let (aRows, aCols) = transposeA ? (k, m) : (m, k)
            let (bRows, bCols) = transposeB ? (n, k) : (k, n)
            let (lda, ldb, ldc) = (aCols + pad, bCols + pad, n + pad)
            let a = (0..<(aRows * lda)).map { _ in random.nextUniform() * 2 - 1 }
            let b = (0..<(bRows * ldb)).map { _ in random.nextUniform() * 2 - 1 }
            var c = (0..<(m * ldc)).map { _ in random.nextUniform() }
            let before = c
            let (alpha, beta): (Float, Float) = (0.5, 2)
            c.withUnsafeMutableBufferPointer { out in
                Gemm.multiply(
                    a, transposeA: transposeA, b, transposeB: transposeB, into: out.baseAddress!, m: m, n: n, k: k,
                    alpha: alpha, beta: beta, lda: lda, ldb: ldb, ldc: ldc)
            }
            for i in 0..<m {
                for j in 0..<n {
                    var sum: Float = 0
                    for p in 0..<k {
                        let x = transposeA ? a[p * lda + i] : a[i * lda + p]
                        let y = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                        sum += x * y
                    }
                    let expected = alpha * sum + beta * before[i * ldc + j]
                    #expect(abs(c[i * ldc + j] - expected) < 1e-5, "m \(m) tA \(transposeA) tB \(transposeB) at \(i),\(j)")
                }
                for j in n..<ldc { #expect(c[i * ldc + j] == before[i * ldc + j], "padding untouched") }
            }
        }
    }

    /// Products whose last partial 16-column block has 1 to 8 columns (n = 17…24, 37, 120 with
    /// k ≥ 32), which run as the blocks plus the last 16 columns again on the CPUs where
    /// OpenBLAS's small kernel would allocate (`Gemm.smallKernelCopiesA`), and a dense
    /// layer's forward split in 16-column blocks: both equal the definition, with the
    /// output's padding untouched.
    @Test(arguments: [17, 20, 24, 37, 120]) func partialColumnBlocksMatchTheDefinition(_ n: Int) {
        let (m, k, pad) = (9, 40, 3)
        var random = RandomGenerator(seed: UInt64(n))
        let (ldb, ldc) = (n + pad, n + pad)
        let a = (0..<(m * k)).map { _ in random.nextUniform() * 2 - 1 }
        let b = (0..<(k * ldb)).map { _ in random.nextUniform() * 2 - 1 }
        var c = [Float](repeating: 7, count: m * ldc)
        c.withUnsafeMutableBufferPointer { out in
            Gemm.multiply(a, b, into: out.baseAddress!, m: m, n: n, k: k, ldb: ldb, ldc: ldc)
        }
        var dense = [Float](repeating: 7, count: m * n)
        let packed = (0..<k).flatMap { p in b[(p * ldb)..<(p * ldb + n)] }
        dense.withUnsafeMutableBufferPointer { out in
            DenseKernels.forward(a, packed, into: out.baseAddress!, batch: m, features: k, units: n)
        }
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k { sum += a[i * k + p] * b[p * ldb + j] }
                #expect(abs(c[i * ldc + j] - sum) < 1e-4, "n \(n) at \(i),\(j)")
                #expect(abs(dense[i * n + j] - sum) < 1e-4, "dense n \(n) at \(i),\(j)")
            }
            for j in n..<ldc { #expect(c[i * ldc + j] == 7, "padding untouched") }
        }
    }
}
