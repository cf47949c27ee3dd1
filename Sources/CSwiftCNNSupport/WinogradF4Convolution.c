// Winograd F(4×4, 3×3) (Lavin and Gray's matrices): 6×6 input tiles give 4×4 outputs with
// 36 multiplications per tile and channel pair, against 64 for F(2×2, 3×3) and 144 for the
// direct sum. Same structure, layouts and adjoints as WinogradConvolution.c, with 36
// transform positions. The larger coefficients (up to 8, and sixths in G) cost about one
// decimal digit of rounding against F(2×2, 3×3), still far below what training notices.
#include "CSwiftCNNSupport.h"

// The fixed 6- and 4-long loops inside are unrolled so that the loop over channels (or
// filters) is the one vectorised.
#if defined(__clang__)
#define CHANNEL_LOOP _Pragma("clang loop vectorize(assume_safety)")
#define UNROLL _Pragma("unroll")
#else
#define CHANNEL_LOOP
#define UNROLL
#endif

#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

typedef struct {
    long image, y, x;
} tile_origin;

static tile_origin origin(long index, swiftcnn_conv_shape s) {
    long tilesX = (s.outputWidth + 3) / 4, tilesY = (s.outputHeight + 3) / 4;
    long perImage = tilesX * tilesY, r = index % perImage;
    tile_origin o = {index / perImage, 4 * (r / tilesX), 4 * (r % tilesX)};
    return o;
}

long swiftcnn_winograd4_tiles(swiftcnn_conv_shape s) { return ((s.outputWidth + 3) / 4) * ((s.outputHeight + 3) / 4); }

// Bᵀ·d for a column of six.
#define INPUT_1D(d0, d1, d2, d3, d4, d5, t)          \
    do {                                             \
        t[0] = 4 * d0 - 5 * d2 + d4;                 \
        t[1] = (d4 + d3) - 4 * (d1 + d2);            \
        t[2] = (d4 - d3) + 4 * (d1 - d2);            \
        t[3] = (d4 - d2) + 2 * (d3 - d1);            \
        t[4] = (d4 - d2) - 2 * (d3 - d1);            \
        t[5] = 4 * d1 - 5 * d3 + d5;                 \
    } while (0)

// Aᵀ·m for a column of six.
#define OUTPUT_1D(m0, m1, m2, m3, m4, m5, o)         \
    do {                                             \
        o[0] = m0 + m1 + m2 + m3 + m4;               \
        o[1] = (m1 - m2) + 2 * (m3 - m4);            \
        o[2] = (m1 + m2) + 4 * (m3 + m4);            \
        o[3] = (m1 - m2) + 8 * (m3 - m4) + m5;       \
    } while (0)

// A·y for a column of four (the adjoint of OUTPUT_1D).
#define GRADIENT_1D(y0, y1, y2, y3, m)               \
    do {                                             \
        m[0] = y0;                                   \
        m[1] = y0 + y1 + y2 + y3;                    \
        m[2] = y0 - y1 + y2 - y3;                    \
        m[3] = y0 + 2 * y1 + 4 * y2 + 8 * y3;        \
        m[4] = y0 - 2 * y1 + 4 * y2 - 8 * y3;        \
        m[5] = y3;                                   \
    } while (0)

// G·g for a column of three.
#define KERNEL_1D(g0, g1, g2, u)                                   \
    do {                                                           \
        u[0] = 0.25f * g0;                                         \
        u[1] = -(g0 + g1 + g2) * (1.0f / 6);                       \
        u[2] = -(g0 - g1 + g2) * (1.0f / 6);                       \
        u[3] = g0 * (1.0f / 24) + g1 * (1.0f / 12) + g2 * (1.0f / 6); \
        u[4] = g0 * (1.0f / 24) - g1 * (1.0f / 12) + g2 * (1.0f / 6); \
        u[5] = g2;                                                 \
    } while (0)

// Gᵀ·h for a column of six (the adjoint of KERNEL_1D).
#define KERNEL_GRADIENT_1D(h0, h1, h2, h3, h4, h5, r)                  \
    do {                                                               \
        r[0] = 0.25f * h0 - (h1 + h2) * (1.0f / 6) + (h3 + h4) * (1.0f / 24); \
        r[1] = (h2 - h1) * (1.0f / 6) + (h3 - h4) * (1.0f / 12);             \
        r[2] = (h3 + h4 - h1 - h2) * (1.0f / 6) + h5;                        \
    } while (0)

// One row of U: `cols` kernels whose taps start at `taps[0..8]`, `step` floats apart.
static inline __attribute__((always_inline)) void kernel_row(const float *const taps[9], long step, float *restrict u, long rowStride,
                              long cols) {
    CHANNEL_LOOP
    for (long j = 0; j < cols; j++) {
        float t[6][3];
        UNROLL
        for (int kx = 0; kx < 3; kx++) {
            float col[6];
            KERNEL_1D(taps[kx][j * step], taps[3 + kx][j * step], taps[6 + kx][j * step], col);
            UNROLL
            for (int r = 0; r < 6; r++) t[r][kx] = col[r];
        }
        UNROLL
        for (int r = 0; r < 6; r++) {
            float v[6];
            KERNEL_1D(t[r][0], t[r][1], t[r][2], v);
            UNROLL
            for (int q = 0; q < 6; q++) u[(r * 6 + q) * rowStride + j] = v[q];
        }
    }
}

CLONES void swiftcnn_winograd4_kernel_transform(const float *restrict kernel, float *restrict u, long c, long f,
                                                int flipped, long firstRow, long rowCount) {
    for (long i = firstRow; i < firstRow + rowCount; i++) {
        const float *taps[9];
        // The input gradient's kernel is flipped in space (its products take U transposed).
        for (int k = 0; k < 9; k++) taps[k] = kernel + (flipped ? 8 - k : k) * c * f + i * f;
        kernel_row(taps, 1, u + i * f, c * f, f);
    }
}

CLONES void swiftcnn_winograd4_kernel_gradient(const float *restrict du, float *restrict gradKernel, long c,
                                               long f) {
    long n = c * f;
    for (long e = 0; e < n; e++) {
        float m[6][6];
        UNROLL
        for (int p = 0; p < 36; p++) m[p / 6][p % 6] = du[p * n + e];
        float h[3][6];
        UNROLL
        for (int q = 0; q < 6; q++) {
            float r[3];
            KERNEL_GRADIENT_1D(m[0][q], m[1][q], m[2][q], m[3][q], m[4][q], m[5][q], r);
            UNROLL
            for (int k = 0; k < 3; k++) h[k][q] = r[k];
        }
        UNROLL
        for (int k = 0; k < 3; k++) {
            float r[3];
            KERNEL_GRADIENT_1D(h[k][0], h[k][1], h[k][2], h[k][3], h[k][4], h[k][5], r);
            UNROLL
            for (int x = 0; x < 3; x++) gradKernel[(k * 3 + x) * n + e] = r[x];
        }
    }
}

CLONES void swiftcnn_winograd4_input_transform(const float *restrict input, float *restrict v, long firstTile,
                                               long tiles, long tileStride, swiftcnn_conv_shape s,
                                               const float *zeros) {
    long c = s.channels;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        const float *d[36];
        UNROLL
        for (int i = 0; i < 6; i++) {
            long y = o.y - s.padTop + i;
            UNROLL
            for (int j = 0; j < 6; j++) {
                long x = o.x - s.padLeft + j;
                int inside = y >= 0 && y < s.height && x >= 0 && x < s.width;
                d[i * 6 + j] = inside ? input + ((o.image * s.height + y) * s.width + x) * c : zeros;
            }
        }
        float *out = v + t * c;
        long positionStride = tileStride * c;
        CHANNEL_LOOP
        for (long k = 0; k < c; k++) {
            float r[6][6];
            UNROLL
            for (int j = 0; j < 6; j++) {
                float col[6];
                INPUT_1D(d[j][k], d[6 + j][k], d[12 + j][k], d[18 + j][k], d[24 + j][k], d[30 + j][k], col);
                UNROLL
                for (int i = 0; i < 6; i++) r[i][j] = col[i];
            }
            UNROLL
            for (int i = 0; i < 6; i++) {
                float row[6];
                INPUT_1D(r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], r[i][5], row);
                UNROLL
                for (int q = 0; q < 6; q++) out[(i * 6 + q) * positionStride + k] = row[q];
            }
        }
    }
}

CLONES void swiftcnn_winograd4_output_transform(const float *restrict m, float *restrict output, const float *bias,
                                                long firstTile, long tiles, long tileStride, swiftcnn_conv_shape s,
                                                float *sink) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        float *y[16];
        UNROLL
        for (int i = 0; i < 4; i++) {
            UNROLL
            for (int j = 0; j < 4; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                y[i * 4 + j] = inside ? output + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : sink;
            }
        }
        const float *in = m + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float a[36];
            UNROLL
            for (int p = 0; p < 36; p++) a[p] = in[p * positionStride + k];
            float r[4][6];
            UNROLL
            for (int j = 0; j < 6; j++) {
                float col[4];
                OUTPUT_1D(a[j], a[6 + j], a[12 + j], a[18 + j], a[24 + j], a[30 + j], col);
                UNROLL
                for (int i = 0; i < 4; i++) r[i][j] = col[i];
            }
            float b = bias ? bias[k] : 0;
            UNROLL
            for (int i = 0; i < 4; i++) {
                float row[4];
                OUTPUT_1D(r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], r[i][5], row);
                UNROLL
                for (int j = 0; j < 4; j++) y[i * 4 + j][k] = row[j] + b;
            }
        }
    }
}

CLONES void swiftcnn_winograd4_gradient_transform(const float *restrict gradOutput, float *restrict dm,
                                                  long firstTile, long tiles, long tileStride,
                                                  swiftcnn_conv_shape s, const float *zeros) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        const float *dy[16];
        UNROLL
        for (int i = 0; i < 4; i++) {
            UNROLL
            for (int j = 0; j < 4; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                dy[i * 4 + j] =
                    inside ? gradOutput + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : zeros;
            }
        }
        float *out = dm + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float r[6][4];
            UNROLL
            for (int j = 0; j < 4; j++) {
                float col[6];
                GRADIENT_1D(dy[j][k], dy[4 + j][k], dy[8 + j][k], dy[12 + j][k], col);
                UNROLL
                for (int i = 0; i < 6; i++) r[i][j] = col[i];
            }
            UNROLL
            for (int i = 0; i < 6; i++) {
                float row[6];
                GRADIENT_1D(r[i][0], r[i][1], r[i][2], r[i][3], row);
                UNROLL
                for (int q = 0; q < 6; q++) out[(i * 6 + q) * positionStride + k] = row[q];
            }
        }
    }
}
