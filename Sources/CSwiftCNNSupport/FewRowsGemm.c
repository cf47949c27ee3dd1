// C = A · B (+ bias) for products with few rows: a batch of one through a small map (4×4
// pixels of ResNet18's last stage, 2×2 of VGG16's) multiplies a 16-row column matrix by a
// kernel of up to 4608 × 512 floats. SGEMM first copies the whole kernel into packed
// panels, and at that size reading it is the cost, so this reads it once, in place. B is
// taken in slices of KC rows; every block of columns of a slice is applied to all rows of
// C, a few rows at a time, with those rows' accumulators in registers and the block's
// B (KC rows × 32 columns, 32 KB) in L1 for the next rows.
//
// One copy per instruction set, tiled for its register file (as DirectConvolution.c):
// AVX-512 8 rows × 32 columns (16 zmm accumulators; per row of B 2 loads and 8
// broadcasts feed 16 FMAs), AVX2 6 × 16 (12 ymm), the generic copy 4 × 16. The
// auto-vectorised 6 × 16 tile this replaces fed AVX-512 six FMAs per seven loads. One Zen 5
// core, B out of cache: ResNet18's 4×4 product (16 × 4608 × 512) 87 → 150 GFLOP/s
// (SGEMM, packing the kernel, 78), its 8×8 product (64 × 2304 × 256) 154 → 240 (SGEMM
// 179); on AVX2 code 72 → 86 and 113 → 129 (of 128 nominal; OpenBLAS Haswell 72, 111).
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <string.h>

enum { KC = 256 };

typedef float few_v8 __attribute__((vector_size(32), aligned(4)));
typedef float few_v16 __attribute__((vector_size(64), aligned(4)));

// R rows × NV vectors of C, starting at row r and column j0, over rows p0..p1 of B. The
// first rows of a block also prefetch the next block's B (64 bytes of each of its rows
// 2 KB or more apart, which the hardware prefetcher does not follow).
#define FEW_ROWS_TILE(NAME, TARGET, V, L, R, NV)                                                          \
    TARGET static inline void NAME(const float *restrict a, long lda, const float *restrict b, long ldb,  \
                                   float *restrict c, long ldc, long r, long p0, long p1, long j0,        \
                                   int prefetch) {                                                        \
        V acc[R][NV];                                                                                     \
        UNROLL for (int i = 0; i < R; i++) UNROLL for (int v = 0; v < NV; v++) acc[i][v] =                \
            *(const V *)(c + (r + i) * ldc + j0 + v * L);                                                 \
        for (long p = p0; p < p1; p++) {                                                                  \
            const float *bp = b + p * ldb + j0;                                                           \
            V bv[NV];                                                                                     \
            UNROLL for (int v = 0; v < NV; v++) bv[v] = *(const V *)(bp + v * L);                         \
            if (prefetch) {                                                                               \
                UNROLL for (int v = 0; v < NV * L; v += 16) __builtin_prefetch(bp + NV * L + v);          \
            }                                                                                             \
            UNROLL for (int i = 0; i < R; i++) {                                                          \
                float x = a[(r + i) * lda + p];                                                           \
                UNROLL for (int v = 0; v < NV; v++) acc[i][v] += x * bv[v];                               \
            }                                                                                             \
        }                                                                                                 \
        UNROLL for (int i = 0; i < R; i++) UNROLL for (int v = 0; v < NV; v++)                            \
            *(V *)(c + (r + i) * ldc + j0 + v * L) = acc[i][v];                                           \
    }

// One copy: column blocks of NV vectors, then single vectors, then single columns; rows R
// at a time, then 4, 2 and 1.
#define DEFINE_FEW_ROWS(ISA, TARGET, V, L, R, NV)                                                         \
    FEW_ROWS_TILE(ISA##_tile, TARGET, V, L, R, NV)                                                        \
    FEW_ROWS_TILE(ISA##_tile_4, TARGET, V, L, 4, NV)                                                      \
    FEW_ROWS_TILE(ISA##_tile_2, TARGET, V, L, 2, NV)                                                      \
    FEW_ROWS_TILE(ISA##_tile_1, TARGET, V, L, 1, NV)                                                      \
    FEW_ROWS_TILE(ISA##_narrow, TARGET, V, L, R, 1)                                                       \
    FEW_ROWS_TILE(ISA##_narrow_4, TARGET, V, L, 4, 1)                                                     \
    FEW_ROWS_TILE(ISA##_narrow_2, TARGET, V, L, 2, 1)                                                     \
    FEW_ROWS_TILE(ISA##_narrow_1, TARGET, V, L, 1, 1)                                                     \
    TARGET static void few_rows_##ISA(const float *restrict a, long lda, const float *restrict b, long ldb, \
                                      float *restrict c, long ldc, long m, long k, long first, long end) {  \
        long wideEnd = first + (end - first) / (NV * L) * (NV * L);                                       \
        long narrowEnd = first + (end - first) / L * L;                                                   \
        for (long p0 = 0; p0 < k; p0 += KC) {                                                             \
            long p1 = p0 + KC < k ? p0 + KC : k;                                                          \
            for (long j0 = first; j0 < wideEnd; j0 += NV * L) {                                           \
                int prefetch = j0 + NV * L < wideEnd;                                                     \
                long r = 0;                                                                               \
                for (; r + R <= m; r += R, prefetch = 0) ISA##_tile(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); \
                for (; r + 4 <= m; r += 4, prefetch = 0) ISA##_tile_4(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); \
                for (; r + 2 <= m; r += 2, prefetch = 0) ISA##_tile_2(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); \
                for (; r < m; r++, prefetch = 0) ISA##_tile_1(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); \
            }                                                                                             \
            for (long j0 = wideEnd; j0 < narrowEnd; j0 += L) {                                            \
                long r = 0;                                                                               \
                for (; r + R <= m; r += R) ISA##_narrow(a, lda, b, ldb, c, ldc, r, p0, p1, j0, 0);        \
                for (; r + 4 <= m; r += 4) ISA##_narrow_4(a, lda, b, ldb, c, ldc, r, p0, p1, j0, 0);      \
                for (; r + 2 <= m; r += 2) ISA##_narrow_2(a, lda, b, ldb, c, ldc, r, p0, p1, j0, 0);      \
                for (; r < m; r++) ISA##_narrow_1(a, lda, b, ldb, c, ldc, r, p0, p1, j0, 0);              \
            }                                                                                             \
        }                                                                                                 \
        few_rows_columns(a, lda, b, ldb, c, ldc, m, k, narrowEnd, end);                                  \
    }

// The last columns, fewer than a vector.
static void few_rows_columns(const float *restrict a, long lda, const float *restrict b, long ldb,
                             float *restrict c, long ldc, long m, long k, long first, long end) {
    for (long i = 0; i < m; i++) {
        for (long j = first; j < end; j++) {
            float sum = c[i * ldc + j];
            for (long p = 0; p < k; p++) sum += a[i * lda + p] * b[p * ldb + j];
            c[i * ldc + j] = sum;
        }
    }
}

#if defined(__x86_64__)
DEFINE_FEW_ROWS(avx512, __attribute__((target("avx512f"))), few_v16, 16, 8, 2)
DEFINE_FEW_ROWS(avx2, __attribute__((target("avx2,fma"))), few_v8, 8, 6, 2)
#endif
DEFINE_FEW_ROWS(generic, , few_v8, 8, 4, 2)

void swiftcnn_gemm_few_rows(const float *restrict a, long lda, const float *restrict b, long ldb,
                            const float *restrict bias, float *restrict c, long ldc, long m, long k,
                            long first_column, long end_column) {
    for (long i = 0; i < m; i++)
        for (long j = first_column; j < end_column; j++) c[i * ldc + j] = bias ? bias[j] : 0;
    switch (swiftcnn_isa_level()) {
#if defined(__x86_64__)
    case 2: few_rows_avx512(a, lda, b, ldb, c, ldc, m, k, first_column, end_column); break;
    case 1: few_rows_avx2(a, lda, b, ldb, c, ldc, m, k, first_column, end_column); break;
#endif
    default: few_rows_generic(a, lda, b, ldb, c, ldc, m, k, first_column, end_column); break;
    }
}
