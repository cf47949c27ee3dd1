// Stride-1 convolution of an image with few channels by few filters (the course's first
// layers: 5×5 over RGB into 6 filters), vectorised along the output row. The filter-lane
// kernels of DirectConvolution.c fill 6 of 8 lanes there and use half an AVX-512
// register: about a third of the peak. Here each vector holds 16 (8 on AVX2) neighbouring
// output pixels of one filter, read from a planar copy of the image, so every lane does
// useful work up to the row's end; the weight is a broadcast operand of the FMA.
// Each pass makes CHUNKS vectors of one output row for all F filters: F·CHUNKS
// independent accumulators hide the FMA latency, and each input vector loaded serves F.
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <string.h>

enum { ROWS_MAX_LANES = 16, ROWS_MAX_FILTERS = 8, ROWS_MAX_CHANNELS = 4 };

int swiftcnn_conv_rows_supported(swiftcnn_conv_shape s) {
    return s.strideHeight == 1 && s.strideWidth == 1 && s.channels <= ROWS_MAX_CHANNELS &&
           s.filters <= ROWS_MAX_FILTERS && s.kernelHeight * s.kernelWidth > 1 && s.outputWidth >= 4;
}

// Rows of each plane: every output row's window, padding included.
static long planar_rows(swiftcnn_conv_shape s) { return s.outputHeight + s.kernelHeight - 1; }

// Planar rows wide enough for every pass (up to 4 vectors of `lanes` pixels) plus the
// kernel's reach, so no load checks a bound.
static long planar_row(swiftcnn_conv_shape s, long lanes) {
    long pass = 4 * lanes;
    return (s.outputWidth + pass - 1) / pass * pass + s.kernelWidth - 1;
}

long swiftcnn_conv_rows_scratch(swiftcnn_conv_shape s) {
    return s.channels * planar_rows(s) * planar_row(s, ROWS_MAX_LANES) + ROWS_MAX_FILTERS * 2 * ROWS_MAX_LANES;
}

// The image as one zero-bordered plane per channel, top/left padding as TensorFlow splits it.
static void make_planar(const float *image, float *planar, long row, swiftcnn_conv_shape s) {
    long rows = planar_rows(s), c = s.channels;
    // TensorFlow's padding puts every image row and column inside the planes; the bounds
    // keep a malformed shape from writing past them.
    long height = s.padTop + s.height > rows ? rows - s.padTop : s.height;
    long width = s.padLeft + s.width > row ? row - s.padLeft : s.width;
    memset(planar, 0, (size_t)(c * rows * row) * sizeof(float));
    for (long y = 0; y < height; y++) {
        const float *source = image + y * s.width * c;
        for (long ci = 0; ci < c; ci++) {
            float *dst = planar + (ci * rows + y + s.padTop) * row + s.padLeft;
            for (long x = 0; x < width; x++) dst[x] = source[x * c + ci];
        }
    }
}

#define ROWS_PASS(VEC, UVEC, LANES, F, CHUNKS)                                                                   \
    {                                                                                                            \
        VEC acc[CHUNKS][F];                                                                                      \
        UNROLL for (int g = 0; g < CHUNKS; g++) UNROLL for (int f = 0; f < F; f++) acc[g][f] = (VEC){} + init[f]; \
        for (long ky = 0; ky < kh; ky++)                                                                         \
            for (long kx = 0; kx < kw; kx++)                                                                     \
                for (long ci = 0; ci < c; ci++) {                                                                \
                    const float *p = planar + (ci * rows + oy + ky) * row + x0 + kx;                             \
                    const float *wt = kernel + ((ky * kw + kx) * c + ci) * F;                                    \
                    UNROLL for (int g = 0; g < CHUNKS; g++) {                                                    \
                        VEC v = *(const UVEC *)(p + g * LANES);                                                  \
                        UNROLL for (int f = 0; f < F; f++) acc[g][f] += v * wt[f];                               \
                    }                                                                                            \
                }                                                                                                \
        UNROLL for (int g = 0; g < CHUNKS; g++) UNROLL for (int f = 0; f < F; f++)                               \
            *(UVEC *)(lanesOut + f * CHUNKS * LANES + g * LANES) = acc[g][f];                                    \
        long n = ow - x0 < CHUNKS * LANES ? ow - x0 : CHUNKS * LANES;                                            \
        float *o = out + (oy * ow + x0) * F;                                                                     \
        for (long x = 0; x < n; x++)                                                                             \
            UNROLL for (int f = 0; f < F; f++) o[x * F + f] = lanesOut[f * CHUNKS * LANES + x];                  \
    }

// One image for F filters (a compile-time count, so the accumulators live in registers).
// (Two output rows a pass, sharing each weight's broadcast, measured no faster.)
#define DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, VEC, UVEC, LANES, F, CHUNKS)                                        \
    ATTRIBUTES static void rows_##ISA##_##F(const float *planar, long row, const float *restrict kernel,         \
                                            const float *bias, float *restrict out, float *restrict lanesOut,    \
                                            swiftcnn_conv_shape s) {                                             \
        long kh = s.kernelHeight, kw = s.kernelWidth, c = s.channels, ow = s.outputWidth, rows = planar_rows(s); \
        float init[F];                                                                                           \
        for (int f = 0; f < F; f++) init[f] = bias ? bias[f] : 0;                                                \
        for (long oy = 0; oy < s.outputHeight; oy++)                                                             \
            for (long x0 = 0; x0 < ow; x0 += CHUNKS * LANES) ROWS_PASS(VEC, UVEC, LANES, F, CHUNKS)              \
    }

// Eight accumulators at least for the FMA latency, at most what the registers hold
// beside the input vectors (32 on AVX-512, 16 on AVX2).
#define DEFINE_ROWS(ISA, ATTRIBUTES, LANES, WIDE_CHUNKS)                                                         \
    typedef float ISA##_vec __attribute__((vector_size(LANES * 4)));                                             \
    typedef float ISA##_uvec __attribute__((vector_size(LANES * 4), aligned(4)));                                \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 1, 4)                                     \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 2, 4)                                     \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 3, 2)                                     \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 4, 2)                                     \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 5, 2)                                     \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 6, 2)                                     \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 7, WIDE_CHUNKS)                           \
    DEFINE_ROWS_FILTERS(ISA, ATTRIBUTES, ISA##_vec, ISA##_uvec, LANES, 8, WIDE_CHUNKS)                           \
    ATTRIBUTES static void rows_##ISA(const float *planar, long row, const float *kernel, const float *bias,     \
                                      float *out, float *lanesOut, swiftcnn_conv_shape s) {                      \
        switch (s.filters) {                                                                                     \
        case 1: rows_##ISA##_1(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        case 2: rows_##ISA##_2(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        case 3: rows_##ISA##_3(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        case 4: rows_##ISA##_4(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        case 5: rows_##ISA##_5(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        case 6: rows_##ISA##_6(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        case 7: rows_##ISA##_7(planar, row, kernel, bias, out, lanesOut, s); break;                              \
        default: rows_##ISA##_8(planar, row, kernel, bias, out, lanesOut, s); break;                             \
        }                                                                                                        \
    }

#if defined(__x86_64__)
DEFINE_ROWS(avx512, __attribute__((target("avx512f"))), 16, 2)
DEFINE_ROWS(avx2, __attribute__((target("avx2,fma"))), 8, 1)
#endif
DEFINE_ROWS(generic, , 4, 2)

long swiftcnn_conv_rows_lanes(void) {
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx512f")) return 16;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 8;
#endif
    return 4;
}

void swiftcnn_conv_rows_forward(const float *input, const float *kernel, const float *bias, float *output,
                                long images, swiftcnn_conv_shape s, long lanes, float *scratch) {
    long best = swiftcnn_conv_rows_lanes();
    if (lanes <= 0 || lanes > best) lanes = best;
    if (lanes != 16 && lanes != 8) lanes = 4;
    long row = planar_row(s, lanes);
    long inStride = s.height * s.width * s.channels, outStride = s.outputHeight * s.outputWidth * s.filters;
    float *planar = scratch, *lanesOut = scratch + s.channels * planar_rows(s) * row;
    for (long n = 0; n < images; n++) {
        make_planar(input + n * inStride, planar, row, s);
        float *out = output + n * outStride;
#if defined(__x86_64__)
        if (lanes == 16) { rows_avx512(planar, row, kernel, bias, out, lanesOut, s); continue; }
        if (lanes == 8) { rows_avx2(planar, row, kernel, bias, out, lanesOut, s); continue; }
#endif
        rows_generic(planar, row, kernel, bias, out, lanesOut, s);
    }
}
