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

// Tiles of every height up to 8, for column blocks of NV vectors (wide) and of one.
#define FEW_ROWS_TILES(ISA, TARGET, V, L, NV)                                                             \
    FEW_ROWS_TILE(ISA##_1, TARGET, V, L, 1, NV)                                                           \
    FEW_ROWS_TILE(ISA##_2, TARGET, V, L, 2, NV)                                                           \
    FEW_ROWS_TILE(ISA##_3, TARGET, V, L, 3, NV)                                                           \
    FEW_ROWS_TILE(ISA##_4, TARGET, V, L, 4, NV)                                                           \
    FEW_ROWS_TILE(ISA##_5, TARGET, V, L, 5, NV)                                                           \
    FEW_ROWS_TILE(ISA##_6, TARGET, V, L, 6, NV)                                                           \
    FEW_ROWS_TILE(ISA##_7, TARGET, V, L, 7, NV)                                                           \
    FEW_ROWS_TILE(ISA##_8, TARGET, V, L, 8, NV)                                                           \
    TARGET static inline void ISA(long rows, const float *restrict a, long lda, const float *restrict b,  \
                                  long ldb, float *restrict c, long ldc, long r, long p0, long p1, long j0, \
                                  int prefetch) {                                                         \
        switch (rows) {                                                                                   \
        case 1: ISA##_1(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        case 2: ISA##_2(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        case 3: ISA##_3(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        case 4: ISA##_4(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        case 5: ISA##_5(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        case 6: ISA##_6(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        case 7: ISA##_7(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                          \
        default: ISA##_8(a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch); break;                         \
        }                                                                                                 \
    }

// One copy: column blocks of NV vectors, then single vectors, then single columns. The
// rows go in the fewest tiles of at most R, of equal heights (25 rows as 7 + 6 + 6 + 6,
// not 8 + 8 + 8 + 1: a short tile reads its slice of B for little work).
#define DEFINE_FEW_ROWS(ISA, TARGET, V, L, R, NV)                                                         \
    FEW_ROWS_TILES(ISA##_wide, TARGET, V, L, NV)                                                          \
    FEW_ROWS_TILES(ISA##_narrow, TARGET, V, L, 1)                                                         \
    TARGET static void few_rows_##ISA(const float *restrict a, long lda, const float *restrict b, long ldb, \
                                      float *restrict c, long ldc, long m, long k, long first, long end) {  \
        long wideEnd = first + (end - first) / (NV * L) * (NV * L);                                       \
        long narrowEnd = first + (end - first) / L * L;                                                   \
        long tiles = (m + R - 1) / R;                                                                     \
        for (long p0 = 0; p0 < k; p0 += KC) {                                                             \
            long p1 = p0 + KC < k ? p0 + KC : k;                                                          \
            for (long j0 = first; j0 < wideEnd; j0 += NV * L) {                                           \
                int prefetch = j0 + NV * L < wideEnd;                                                     \
                for (long t = 0, r = 0; t < tiles; t++, prefetch = 0) {                                   \
                    long rows = (m - r + tiles - t - 1) / (tiles - t);                                    \
                    ISA##_wide(rows, a, lda, b, ldb, c, ldc, r, p0, p1, j0, prefetch);                    \
                    r += rows;                                                                            \
                }                                                                                         \
            }                                                                                             \
            for (long j0 = wideEnd; j0 < narrowEnd; j0 += L) {                                            \
                for (long t = 0, r = 0; t < tiles; t++) {                                                 \
                    long rows = (m - r + tiles - t - 1) / (tiles - t);                                    \
                    ISA##_narrow(rows, a, lda, b, ldb, c, ldc, r, p0, p1, j0, 0);                         \
                    r += rows;                                                                            \
                }                                                                                         \
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
