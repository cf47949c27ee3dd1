// Winograd F(3×3, 3×3): 5×5 input tiles give 3×3 outputs with 25 multiplications per tile
// and channel pair (2.78 per output, against 4 for F(2×2, 3×3) and 2.25 for F(4×4, 3×3)).
// It exists for the maps the other two fit badly: a 5×5 map (AlexNet8's last three
// convolutions) is 4 tiles here, against 9 of F(2×2, 3×3) or 4 of F(4×4, 3×3) that
// compute 64 outputs for 25. The matrices are the Cook–Toom construction on the points
// 0, 1, −1, 2 and ∞ (checked exactly in rational arithmetic by Tools/winograd_matrices.py):
//   Bᵀ = [2 −1 −2 1 0; 0 −2 −1 1 0; 0 2 −3 1 0; 0 −1 0 1 0; 0 2 −1 −2 1]
//   G  = [½ 0 0; −½ −½ −½; −⅙ ⅙ −⅙; ⅙ ⅓ ⅔; 0 0 1]
//   Aᵀ = [1 1 1 1 0; 0 1 −1 2 0; 0 1 1 4 1]
// Same structure, layouts and adjoints as WinogradConvolution.c, with 25 positions.
#include "CSwiftCNNSupport.h"

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
    long tilesX = (s.outputWidth + 2) / 3, tilesY = (s.outputHeight + 2) / 3;
    long perImage = tilesX * tilesY, r = index % perImage;
    tile_origin o = {index / perImage, 3 * (r / tilesX), 3 * (r % tilesX)};
    return o;
}

long swiftcnn_winograd3_tiles(swiftcnn_conv_shape s) { return ((s.outputWidth + 2) / 3) * ((s.outputHeight + 2) / 3); }

// Bᵀ·d for a column of five.
#define INPUT_1D(d0, d1, d2, d3, d4, t)        \
    do {                                       \
        t[0] = 2 * (d0 - d2) + (d3 - d1);      \
        t[1] = (d3 - d2) - 2 * d1;             \
        t[2] = 2 * d1 - 3 * d2 + d3;           \
        t[3] = d3 - d1;                        \
        t[4] = 2 * (d1 - d3) - d2 + d4;        \
    } while (0)

// Aᵀ·m for a column of five.
#define OUTPUT_1D(m0, m1, m2, m3, m4, o)       \
    do {                                       \
        o[0] = m0 + m1 + m2 + m3;              \
        o[1] = (m1 - m2) + 2 * m3;             \
        o[2] = (m1 + m2) + 4 * m3 + m4;        \
    } while (0)

// A·y for a column of three (the adjoint of OUTPUT_1D).
#define GRADIENT_1D(y0, y1, y2, m)             \
    do {                                       \
        m[0] = y0;                             \
        m[1] = y0 + y1 + y2;                   \
        m[2] = y0 - y1 + y2;                   \
        m[3] = y0 + 2 * y1 + 4 * y2;           \
        m[4] = y2;                             \
    } while (0)

// G·g for a column of three.
#define KERNEL_1D(g0, g1, g2, u)                                          \
    do {                                                                  \
        u[0] = 0.5f * g0;                                                 \
        u[1] = -0.5f * (g0 + g1 + g2);                                    \
        u[2] = -(g0 - g1 + g2) * (1.0f / 6);                              \
        u[3] = (g0 + 2 * g1 + 4 * g2) * (1.0f / 6);                       \
        u[4] = g2;                                                        \
    } while (0)

// Gᵀ·h for a column of five (the adjoint of KERNEL_1D).
#define KERNEL_GRADIENT_1D(h0, h1, h2, h3, h4, r)                         \
    do {                                                                  \
        r[0] = 0.5f * (h0 - h1) + (h3 - h2) * (1.0f / 6);                 \
        r[1] = -0.5f * h1 + (h2 + 2 * h3) * (1.0f / 6);                   \
        r[2] = -0.5f * h1 + (4 * h3 - h2) * (1.0f / 6) + h4;              \
    } while (0)

static inline __attribute__((always_inline)) void kernel_row(const float *const taps[9], float *restrict u,
                                                             long rowStride, long cols) {
    CHANNEL_LOOP
    for (long j = 0; j < cols; j++) {
        float t[5][3];
        UNROLL
        for (int kx = 0; kx < 3; kx++) {
            float col[5];
            KERNEL_1D(taps[kx][j], taps[3 + kx][j], taps[6 + kx][j], col);
            UNROLL
            for (int r = 0; r < 5; r++) t[r][kx] = col[r];
        }
        UNROLL
        for (int r = 0; r < 5; r++) {
            float v[5];
            KERNEL_1D(t[r][0], t[r][1], t[r][2], v);
            UNROLL
            for (int q = 0; q < 5; q++) u[(r * 5 + q) * rowStride + j] = v[q];
        }
    }
}

CLONES void swiftcnn_winograd3_kernel_transform(const float *restrict kernel, float *restrict u, long c, long f,
                                                int flipped, long firstRow, long rowCount) {
    for (long i = firstRow; i < firstRow + rowCount; i++) {
        const float *taps[9];
        for (int k = 0; k < 9; k++) taps[k] = kernel + (flipped ? 8 - k : k) * c * f + i * f;
        kernel_row(taps, u + i * f, c * f, f);
    }
}

CLONES void swiftcnn_winograd3_kernel_gradient(const float *restrict du, float *restrict gradKernel, long c,
                                               long f) {
    long n = c * f;
    for (long e = 0; e < n; e++) {
        float m[5][5];
        UNROLL
        for (int p = 0; p < 25; p++) m[p / 5][p % 5] = du[p * n + e];
        float h[3][5];
        UNROLL
        for (int q = 0; q < 5; q++) {
            float r[3];
            KERNEL_GRADIENT_1D(m[0][q], m[1][q], m[2][q], m[3][q], m[4][q], r);
            UNROLL
            for (int k = 0; k < 3; k++) h[k][q] = r[k];
        }
        UNROLL
        for (int k = 0; k < 3; k++) {
            float r[3];
            KERNEL_GRADIENT_1D(h[k][0], h[k][1], h[k][2], h[k][3], h[k][4], r);
            UNROLL
            for (int x = 0; x < 3; x++) gradKernel[(k * 3 + x) * n + e] = r[x];
        }
    }
}

CLONES void swiftcnn_winograd3_input_transform(const float *restrict input, float *restrict v, long firstTile,
                                               long tiles, long tileStride, swiftcnn_conv_shape s,
                                               const float *zeros) {
    long c = s.channels;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        const float *d[25];
        UNROLL
        for (int i = 0; i < 5; i++) {
            long y = o.y - s.padTop + i;
            UNROLL
            for (int j = 0; j < 5; j++) {
                long x = o.x - s.padLeft + j;
                int inside = y >= 0 && y < s.height && x >= 0 && x < s.width;
                d[i * 5 + j] = inside ? input + ((o.image * s.height + y) * s.width + x) * c : zeros;
            }
        }
        float *out = v + t * c;
        long positionStride = tileStride * c;
        CHANNEL_LOOP
        for (long k = 0; k < c; k++) {
            float r[5][5];
            UNROLL
            for (int j = 0; j < 5; j++) {
                float col[5];
                INPUT_1D(d[j][k], d[5 + j][k], d[10 + j][k], d[15 + j][k], d[20 + j][k], col);
                UNROLL
                for (int i = 0; i < 5; i++) r[i][j] = col[i];
            }
            UNROLL
            for (int i = 0; i < 5; i++) {
                float row[5];
                INPUT_1D(r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], row);
                UNROLL
                for (int q = 0; q < 5; q++) out[(i * 5 + q) * positionStride + k] = row[q];
            }
        }
    }
}

CLONES void swiftcnn_winograd3_output_transform(const float *restrict m, float *restrict output, const float *bias,
                                                long firstTile, long tiles, long tileStride, swiftcnn_conv_shape s,
                                                float *sink) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        float *y[9];
        UNROLL
        for (int i = 0; i < 3; i++) {
            UNROLL
            for (int j = 0; j < 3; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                y[i * 3 + j] = inside ? output + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : sink;
            }
        }
        const float *in = m + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float a[25];
            UNROLL
            for (int p = 0; p < 25; p++) a[p] = in[p * positionStride + k];
            float r[3][5];
            UNROLL
            for (int j = 0; j < 5; j++) {
                float col[3];
                OUTPUT_1D(a[j], a[5 + j], a[10 + j], a[15 + j], a[20 + j], col);
                UNROLL
                for (int i = 0; i < 3; i++) r[i][j] = col[i];
            }
            float b = bias ? bias[k] : 0;
            UNROLL
            for (int i = 0; i < 3; i++) {
                float row[3];
                OUTPUT_1D(r[i][0], r[i][1], r[i][2], r[i][3], r[i][4], row);
                UNROLL
                for (int j = 0; j < 3; j++) y[i * 3 + j][k] = row[j] + b;
            }
        }
    }
}

CLONES void swiftcnn_winograd3_gradient_transform(const float *restrict gradOutput, float *restrict dm,
                                                  long firstTile, long tiles, long tileStride,
                                                  swiftcnn_conv_shape s, const float *zeros) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        const float *dy[9];
        UNROLL
        for (int i = 0; i < 3; i++) {
            UNROLL
            for (int j = 0; j < 3; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                dy[i * 3 + j] =
                    inside ? gradOutput + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : zeros;
            }
        }
        float *out = dm + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float r[5][3];
            UNROLL
            for (int j = 0; j < 3; j++) {
                float col[5];
                GRADIENT_1D(dy[j][k], dy[3 + j][k], dy[6 + j][k], col);
                UNROLL
                for (int i = 0; i < 5; i++) r[i][j] = col[i];
            }
            UNROLL
            for (int i = 0; i < 5; i++) {
                float row[5];
                GRADIENT_1D(r[i][0], r[i][1], r[i][2], row);
                UNROLL
                for (int q = 0; q < 5; q++) out[(i * 5 + q) * positionStride + k] = row[q];
            }
        }
    }
}
