// The Winograd F(M×M, 3×3) convolution kernels, written once for every tile size. A variant
// file defines:
//   M                       output rows and columns per tile (the input tile is N = M + 2)
//   WINOGRAD(name)          the public name of each function, e.g. swiftcnn_winograd4_##name
//   INPUT_1D(d, t)          t[0..N) = Bᵀ·d[0..N)
//   OUTPUT_1D(m, o)         o[0..M) = Aᵀ·m[0..N)
//   GRADIENT_1D(y, m)       m[0..N) = A·y[0..M)        (the adjoint of OUTPUT_1D)
//   KERNEL_1D(g, u)         u[0..N) = G·g[0..3)
//   KERNEL_GRADIENT_1D(h, r) r[0..3) = Gᵀ·h[0..N)      (the adjoint of KERNEL_1D)
// and includes this file. Each 2-D transform is the 1-D one on the columns, then on the rows.
//
// A tile is taken to the transform domain (V = Bᵀ d B), the N² positions p are N² independent
// matrix products over channels (Mp = Vp · Up, SGEMM in the caller), and Y = Aᵀ M A takes it
// back. The backward pass uses the adjoints: dM = A dY Aᵀ, dU_p = Vpᵀ · dMp, dW = Gᵀ dU G; the
// input gradient is a Winograd convolution of dY with the kernel turned by 180°, whose U the
// caller multiplies by transposed.
//
// Layouts keep channels innermost so every loop below runs along contiguous channels and
// vectorises: V is [N²][tileStride][channels], M and dM are [N²][tileStride][filters], U and
// dU are [N²][channels][filters]. Tiles are numbered image by image, row by row over the
// output; the tile transforms touch rows 0..<tiles of their buffer.
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"

#define N (M + 2)

#ifndef WINOGRAD_TEMPLATE_COMMON
#define WINOGRAD_TEMPLATE_COMMON
// The channel loops read through per-tile pointer tables (padding points at a row of zeros,
// outputs past the edge at a sink row), which the compiler cannot prove disjoint from the
// output; they are. The fixed loops inside are unrolled so the channel loop is the one
// vectorised.
#if defined(__clang__)
#define CHANNEL_LOOP _Pragma("clang loop vectorize(assume_safety)")
#else
#define CHANNEL_LOOP
#endif

typedef struct {
    long image, y, x;
} winograd_tile_origin;
#endif

// Channel k of one tile to the transform domain: OP (an IN → N 1-D transform) on each
// column of the IN×IN values behind the pointer table `src`, then on each row, written to
// the N×N positions of `out` (positions `positionStride` floats apart).
#define TILE_TO_POSITIONS(IN, OP, src, out, k, positionStride)                             \
    do {                                                                                   \
        float r_[N][IN];                                                                   \
        UNROLL                                                                             \
        for (int j_ = 0; j_ < IN; j_++) {                                                  \
            float column_[IN], spread_[N];                                                 \
            UNROLL                                                                         \
            for (int i_ = 0; i_ < IN; i_++) column_[i_] = (src)[i_ * IN + j_][k];         \
            OP(column_, spread_);                                                          \
            UNROLL                                                                         \
            for (int i_ = 0; i_ < N; i_++) r_[i_][j_] = spread_[i_];                       \
        }                                                                                  \
        UNROLL                                                                             \
        for (int i_ = 0; i_ < N; i_++) {                                                   \
            float row_[N];                                                                 \
            OP(r_[i_], row_);                                                              \
            UNROLL                                                                         \
            for (int q_ = 0; q_ < N; q_++) (out)[(i_ * N + q_) * (positionStride) + (k)] = row_[q_]; \
        }                                                                                  \
    } while (0)

// The top-left output position of tile `index` of `s`, and its image.
static winograd_tile_origin WINOGRAD(origin)(long index, swiftcnn_conv_shape s) {
    long tilesX = (s.outputWidth + M - 1) / M, tilesY = (s.outputHeight + M - 1) / M;
    long perImage = tilesX * tilesY, r = index % perImage;
    winograd_tile_origin o = {index / perImage, M * (r / tilesX), M * (r % tilesX)};
    return o;
}

long WINOGRAD(tiles)(swiftcnn_conv_shape s) { return ((s.outputWidth + M - 1) / M) * ((s.outputHeight + M - 1) / M); }

CLONES void WINOGRAD(kernel_transform)(const float *restrict kernel, float *restrict u, long c, long f, int flipped,
                                       long firstRow, long rowCount) {
    for (long i = firstRow; i < firstRow + rowCount; i++) {
        const float *taps[9];
        for (int k = 0; k < 9; k++) taps[k] = kernel + (flipped ? 8 - k : k) * c * f + i * f;
        float *row = u + i * f;
        CHANNEL_LOOP
        for (long j = 0; j < f; j++) {
            float t[N][3];
            UNROLL
            for (int kx = 0; kx < 3; kx++) {
                float g[3] = {taps[kx][j], taps[3 + kx][j], taps[6 + kx][j]}, column[N];
                KERNEL_1D(g, column);
                UNROLL
                for (int r = 0; r < N; r++) t[r][kx] = column[r];
            }
            UNROLL
            for (int r = 0; r < N; r++) {
                float v[N];
                KERNEL_1D(t[r], v);
                UNROLL
                for (int q = 0; q < N; q++) row[(r * N + q) * c * f + j] = v[q];
            }
        }
    }
}

CLONES void WINOGRAD(kernel_gradient)(const float *restrict du, float *restrict gradKernel, long c, long f) {
    long n = c * f;
    CHANNEL_LOOP
    for (long e = 0; e < n; e++) {
        float h[3][N];
        UNROLL
        for (int q = 0; q < N; q++) {
            float column[N], r[3];
            UNROLL
            for (int p = 0; p < N; p++) column[p] = du[(p * N + q) * n + e];
            KERNEL_GRADIENT_1D(column, r);
            UNROLL
            for (int k = 0; k < 3; k++) h[k][q] = r[k];
        }
        UNROLL
        for (int k = 0; k < 3; k++) {
            float r[3];
            KERNEL_GRADIENT_1D(h[k], r);
            UNROLL
            for (int x = 0; x < 3; x++) gradKernel[(k * 3 + x) * n + e] = r[x];
        }
    }
}

CLONES void WINOGRAD(input_transform)(const float *restrict input, float *restrict v, long firstTile, long tiles,
                                      long tileStride, swiftcnn_conv_shape s, const float *zeros) {
    long c = s.channels;
    for (long t = 0; t < tiles; t++) {
        winograd_tile_origin o = WINOGRAD(origin)(firstTile + t, s);
        const float *d[N * N];
        UNROLL
        for (int i = 0; i < N; i++) {
            long y = o.y - s.padTop + i;
            UNROLL
            for (int j = 0; j < N; j++) {
                long x = o.x - s.padLeft + j;
                int inside = y >= 0 && y < s.height && x >= 0 && x < s.width;
                d[i * N + j] = inside ? input + ((o.image * s.height + y) * s.width + x) * c : zeros;
            }
        }
        float *out = v + t * c;
        long positionStride = tileStride * c;
        CHANNEL_LOOP
        for (long k = 0; k < c; k++) TILE_TO_POSITIONS(N, INPUT_1D, d, out, k, positionStride);
    }
}

CLONES void WINOGRAD(output_transform)(const float *restrict m, float *restrict output, const float *bias,
                                       long firstTile, long tiles, long tileStride, swiftcnn_conv_shape s,
                                       float *sink) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        winograd_tile_origin o = WINOGRAD(origin)(firstTile + t, s);
        float *y[M * M];
        UNROLL
        for (int i = 0; i < M; i++) {
            UNROLL
            for (int j = 0; j < M; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                // Outputs past the edge of a map the tiles overhang are computed and dropped.
                y[i * M + j] = inside ? output + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : sink;
            }
        }
        const float *in = m + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float r[M][N];
            UNROLL
            for (int j = 0; j < N; j++) {
                float column[N], back[M];
                UNROLL
                for (int i = 0; i < N; i++) column[i] = in[(i * N + j) * positionStride + k];
                OUTPUT_1D(column, back);
                UNROLL
                for (int i = 0; i < M; i++) r[i][j] = back[i];
            }
            float b = bias ? bias[k] : 0;
            UNROLL
            for (int i = 0; i < M; i++) {
                float row[M];
                OUTPUT_1D(r[i], row);
                UNROLL
                for (int j = 0; j < M; j++) y[i * M + j][k] = row[j] + b;
            }
        }
    }
}

CLONES void WINOGRAD(gradient_transform)(const float *restrict gradOutput, float *restrict dm, long firstTile,
                                         long tiles, long tileStride, swiftcnn_conv_shape s, const float *zeros) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        winograd_tile_origin o = WINOGRAD(origin)(firstTile + t, s);
        const float *dy[M * M];
        UNROLL
        for (int i = 0; i < M; i++) {
            UNROLL
            for (int j = 0; j < M; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                dy[i * M + j] = inside ? gradOutput + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : zeros;
            }
        }
        float *out = dm + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) TILE_TO_POSITIONS(M, GRADIENT_1D, dy, out, k, positionStride);
    }
}

#undef TILE_TO_POSITIONS
#undef N
