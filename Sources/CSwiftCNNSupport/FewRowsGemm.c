// C = A · B (+ bias) for products with few rows: a batch of one through a small map (4×4
// pixels of ResNet18's last stage, 2×2 of VGG16's) multiplies a 16-row column matrix by a
// kernel of up to 4608 × 512 floats. SGEMM first copies the whole kernel into packed
// panels, and at that size reading it is the cost, so this reads it once, in place. B is
// taken in slices of KC rows: each slice's rows are read as long contiguous runs (the
// caller's columns, which the prefetcher follows, where 64-byte pieces 2 KB apart were
// slower than SGEMM), then every 16-column block of it is applied to all rows of C in
// groups of six, with C (m × columns, tens of KB) accumulated in cache.
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <string.h>

enum { COLS = 16, ROWS = 6, KC = 256 };

// ROWS_NOW rows of one 16-column block over one slice of B: the accumulators stay in
// registers (6 × 16 floats: twelve ymm or six zmm).
#define FEW_ROWS_BLOCK(ROWS_NOW)                                                                  \
    do {                                                                                          \
        float acc[ROWS_NOW][COLS];                                                                \
        UNROLL for (int i = 0; i < ROWS_NOW; i++) memcpy(acc[i], c + (r + i) * ldc + j0, sizeof acc[i]); \
        for (long p = p0; p < p1; p++) {                                                          \
            const float *bp = b + p * ldb + j0;                                                   \
            UNROLL for (int i = 0; i < ROWS_NOW; i++) {                                           \
                float x = a[(r + i) * lda + p];                                                   \
                for (int j = 0; j < COLS; j++) acc[i][j] += x * bp[j];                            \
            }                                                                                     \
        }                                                                                         \
        UNROLL for (int i = 0; i < ROWS_NOW; i++) memcpy(c + (r + i) * ldc + j0, acc[i], sizeof acc[i]); \
    } while (0)

CLONES void swiftcnn_gemm_few_rows(const float *restrict a, long lda, const float *restrict b, long ldb,
                                   const float *restrict bias, float *restrict c, long ldc, long m, long k,
                                   long first_column, long end_column) {
    for (long i = 0; i < m; i++)
        for (long j = first_column; j < end_column; j++) c[i * ldc + j] = bias ? bias[j] : 0;
    long blocksEnd = first_column + (end_column - first_column) / COLS * COLS;
    for (long p0 = 0; p0 < k; p0 += KC) {
        long p1 = p0 + KC < k ? p0 + KC : k;
        for (long j0 = first_column; j0 < blocksEnd; j0 += COLS) {
            long r = 0;
            for (; r + ROWS <= m; r += ROWS) FEW_ROWS_BLOCK(ROWS);
            for (; r + 2 <= m; r += 2) FEW_ROWS_BLOCK(2);
            for (; r < m; r++) FEW_ROWS_BLOCK(1);
        }
    }
    // The last columns, fewer than a block.
    for (long i = 0; i < m; i++) {
        for (long j = blocksEnd; j < end_column; j++) {
            float sum = c[i * ldc + j];
            for (long p = 0; p < k; p++) sum += a[i * lda + p] * b[p * ldb + j];
            c[i * ldc + j] = sum;
        }
    }
}
