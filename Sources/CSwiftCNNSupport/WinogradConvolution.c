// Winograd F(2×2, 3×3): a 3×3 stride-1 convolution computed on 4×4 input tiles that give
// 2×2 outputs each, with 16 multiplications per tile and channel pair instead of 36.
// Each tile is taken to the transform domain (Vp = Bᵀ d B), the 16 positions p are 16
// independent matrix products over channels (Mp = Vp · Up, done by SGEMM in the caller),
// and Y = Aᵀ M A takes each tile back. The backward pass uses the adjoints of the same
// transforms: dM = A dY Aᵀ, dU_p = Vpᵀ · dMp, dW = Gᵀ dU G; and the input gradient is a
// Winograd convolution of dY with the kernel flipped and its channel axes swapped.
//
// Layouts keep channels innermost so every loop below runs along contiguous channels and
// vectorises: V is [16][tiles][channels], M and dM are [16][tiles][filters], U is
// [16][channels][filters]. Tiles are numbered image by image, row by row over the output.
// The transforms write or read `tiles` consecutive rows of a buffer laid out for
// `tileStride` tiles, so threads can fill disjoint parts of one large block.
#include "CSwiftCNNSupport.h"

// The channel loops read through per-tile pointer tables (padding points at a row of
// zeros), which the compiler cannot prove disjoint from the output; they are.
#if defined(__clang__)
#define CHANNEL_LOOP _Pragma("clang loop vectorize(assume_safety)")
#else
#define CHANNEL_LOOP
#endif

#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

// The top-left input position of tile `index` of `s`, and its image.
typedef struct {
    long image, y, x;
} tile_origin;

static tile_origin origin(long index, swiftcnn_conv_shape s) {
    long tilesX = (s.outputWidth + 1) / 2, tilesY = (s.outputHeight + 1) / 2;
    long perImage = tilesX * tilesY, r = index % perImage;
    tile_origin o = {index / perImage, 2 * (r / tilesX), 2 * (r % tilesX)};
    return o;
}

long swiftcnn_winograd_tiles(swiftcnn_conv_shape s) {
    return ((s.outputWidth + 1) / 2) * ((s.outputHeight + 1) / 2);
}

CLONES void swiftcnn_winograd_kernel_transform(const float *restrict kernel, float *restrict u, long c, long f,
                                               int flipped, long firstRow, long rowCount) {
    for (long i = firstRow; i < firstRow + rowCount; i++) {
        const float *taps[9];
        // The input gradient's kernel is flipped in space (its products take U transposed).
        for (int k = 0; k < 9; k++) taps[k] = kernel + (flipped ? 8 - k : k) * c * f + i * f;
        CHANNEL_LOOP
        for (long j = 0; j < f; j++) {
            float t[4][3];
            for (int kx = 0; kx < 3; kx++) {
                float g0 = taps[kx][j], g1 = taps[3 + kx][j], g2 = taps[6 + kx][j];
                t[0][kx] = g0;
                t[1][kx] = 0.5f * (g0 + g1 + g2);
                t[2][kx] = 0.5f * (g0 - g1 + g2);
                t[3][kx] = g2;
            }
            for (int r = 0; r < 4; r++) {
                float v[4] = {t[r][0], 0.5f * (t[r][0] + t[r][1] + t[r][2]), 0.5f * (t[r][0] - t[r][1] + t[r][2]),
                              t[r][2]};
                for (int q = 0; q < 4; q++) u[((r * 4 + q) * c + i) * f + j] = v[q];
            }
        }
    }
}

CLONES void swiftcnn_winograd_kernel_gradient(const float *restrict du, float *restrict gradKernel, long c,
                                              long f) {
    long n = c * f;
    for (long e = 0; e < n; e++) {
        float m[4][4];
        for (int p = 0; p < 16; p++) m[p / 4][p % 4] = du[p * n + e];
        float h[3][4];
        for (int q = 0; q < 4; q++) {
            h[0][q] = m[0][q] + 0.5f * (m[1][q] + m[2][q]);
            h[1][q] = 0.5f * (m[1][q] - m[2][q]);
            h[2][q] = 0.5f * (m[1][q] + m[2][q]) + m[3][q];
        }
        for (int r = 0; r < 3; r++) {
            gradKernel[(r * 3 + 0) * n + e] = h[r][0] + 0.5f * (h[r][1] + h[r][2]);
            gradKernel[(r * 3 + 1) * n + e] = 0.5f * (h[r][1] - h[r][2]);
            gradKernel[(r * 3 + 2) * n + e] = 0.5f * (h[r][1] + h[r][2]) + h[r][3];
        }
    }
}

CLONES void swiftcnn_winograd_input_transform(const float *restrict input, float *restrict v, long firstTile,
                                              long tiles, long tileStride, swiftcnn_conv_shape s,
                                              const float *zeros) {
    long c = s.channels;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        const float *d[16];
        for (int i = 0; i < 4; i++) {
            long y = o.y - s.padTop + i;
            for (int j = 0; j < 4; j++) {
                long x = o.x - s.padLeft + j;
                int inside = y >= 0 && y < s.height && x >= 0 && x < s.width;
                d[i * 4 + j] = inside ? input + ((o.image * s.height + y) * s.width + x) * c : zeros;
            }
        }
        float *out = v + t * c;
        long positionStride = tileStride * c;
        CHANNEL_LOOP
        for (long k = 0; k < c; k++) {
            float r[4][4];
            for (int j = 0; j < 4; j++) {
                float d0 = d[j][k], d1 = d[4 + j][k], d2 = d[8 + j][k], d3 = d[12 + j][k];
                r[0][j] = d0 - d2;
                r[1][j] = d1 + d2;
                r[2][j] = d2 - d1;
                r[3][j] = d1 - d3;
            }
            for (int i = 0; i < 4; i++) {
                out[(i * 4 + 0) * positionStride + k] = r[i][0] - r[i][2];
                out[(i * 4 + 1) * positionStride + k] = r[i][1] + r[i][2];
                out[(i * 4 + 2) * positionStride + k] = r[i][2] - r[i][1];
                out[(i * 4 + 3) * positionStride + k] = r[i][1] - r[i][3];
            }
        }
    }
}

CLONES void swiftcnn_winograd_output_transform(const float *restrict m, float *restrict output, const float *bias,
                                               long firstTile, long tiles, long tileStride, swiftcnn_conv_shape s,
                                               float *sink) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        float *y[4];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                // Outputs past the edge of an odd-sized map are computed and dropped.
                y[i * 2 + j] = inside ? output + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : sink;
            }
        }
        const float *in = m + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float a[16];
            for (int p = 0; p < 16; p++) a[p] = in[p * positionStride + k];
            float r[2][4];
            for (int j = 0; j < 4; j++) {
                r[0][j] = a[j] + a[4 + j] + a[8 + j];
                r[1][j] = a[4 + j] - a[8 + j] - a[12 + j];
            }
            float b = bias ? bias[k] : 0;
            y[0][k] = r[0][0] + r[0][1] + r[0][2] + b;
            y[1][k] = r[0][1] - r[0][2] - r[0][3] + b;
            y[2][k] = r[1][0] + r[1][1] + r[1][2] + b;
            y[3][k] = r[1][1] - r[1][2] - r[1][3] + b;
        }
    }
}

CLONES void swiftcnn_winograd_gradient_transform(const float *restrict gradOutput, float *restrict dm,
                                                 long firstTile, long tiles, long tileStride,
                                                 swiftcnn_conv_shape s, const float *zeros) {
    long f = s.filters;
    for (long t = 0; t < tiles; t++) {
        tile_origin o = origin(firstTile + t, s);
        const float *dy[4];
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                long oy = o.y + i, ox = o.x + j;
                int inside = oy < s.outputHeight && ox < s.outputWidth;
                dy[i * 2 + j] =
                    inside ? gradOutput + ((o.image * s.outputHeight + oy) * s.outputWidth + ox) * f : zeros;
            }
        }
        float *out = dm + t * f;
        long positionStride = tileStride * f;
        CHANNEL_LOOP
        for (long k = 0; k < f; k++) {
            float g00 = dy[0][k], g01 = dy[1][k], g10 = dy[2][k], g11 = dy[3][k];
            // Rows of A·dY: (g0, g0 + g1, g0 − g1, −g1) for each column, then the same on columns.
            float r[4][2] = {{g00, g01}, {g00 + g10, g01 + g11}, {g00 - g10, g01 - g11}, {-g10, -g11}};
            for (int i = 0; i < 4; i++) {
                out[(i * 4 + 0) * positionStride + k] = r[i][0];
                out[(i * 4 + 1) * positionStride + k] = r[i][0] + r[i][1];
                out[(i * 4 + 2) * positionStride + k] = r[i][0] - r[i][1];
                out[(i * 4 + 3) * positionStride + k] = -r[i][1];
            }
        }
    }
}
