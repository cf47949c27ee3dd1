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
// With the channel count fixed the compiler turns the gather into shuffles.
#define DEFINE_MAKE_PLANAR(C)                                                                                    \
    CLONES static void make_planar_##C(const float *restrict image, float *restrict planar, long row, long rows, \
                                       long height, long width, swiftcnn_conv_shape s) {                         \
        for (long y = 0; y < height; y++) {                                                                      \
            const float *source = image + y * s.width * C;                                                       \
            float *dst = planar + (y + s.padTop) * row + s.padLeft;                                              \
            for (long x = 0; x < width; x++)                                                                     \
                UNROLL for (int ci = 0; ci < C; ci++) dst[ci * rows * row + x] = source[x * C + ci];             \
        }                                                                                                        \
    }
DEFINE_MAKE_PLANAR(1)
DEFINE_MAKE_PLANAR(2)
DEFINE_MAKE_PLANAR(3)
DEFINE_MAKE_PLANAR(4)

static void make_planar(const float *image, float *planar, long row, swiftcnn_conv_shape s) {
    long rows = planar_rows(s), c = s.channels;
    // TensorFlow's padding puts every image row and column inside the planes; the bounds
    // keep a malformed shape from writing past them.
    long height = s.padTop + s.height > rows ? rows - s.padTop : s.height;
    long width = s.padLeft + s.width > row ? row - s.padLeft : s.width;
    memset(planar, 0, (size_t)(c * rows * row) * sizeof(float));
    switch (c) {
    case 1: make_planar_1(image, planar, row, rows, height, width, s); break;
    case 2: make_planar_2(image, planar, row, rows, height, width, s); break;
    case 3: make_planar_3(image, planar, row, rows, height, width, s); break;
    default: make_planar_4(image, planar, row, rows, height, width, s); break;
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
                    /* Each weight's broadcast is used at once by every chunk: with all F         \
                       broadcast first, AVX2's 12 accumulators of 6 filters spilled. */              \
                    VEC v[CHUNKS];                                                                               \
                    UNROLL for (int g = 0; g < CHUNKS; g++) v[g] = *(const UVEC *)(p + g * LANES);               \
                    UNROLL for (int f = 0; f < F; f++) {                                                         \
                        float w = wt[f];                                                                         \
                        UNROLL for (int g = 0; g < CHUNKS; g++) acc[g][f] += v[g] * w;                           \
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
    static const long lanes[] = {4, 8, 16};
    return lanes[swiftcnn_isa_level()];
}

long swiftcnn_conv_vector_width(long lanes) {
    long best = swiftcnn_conv_rows_lanes();
    if (lanes <= 0 || lanes > best) lanes = best;
    return lanes == 16 || lanes == 8 ? lanes : 4;
}

void swiftcnn_conv_rows_forward(const float *input, const float *kernel, const float *bias, float *output,
                                long images, swiftcnn_conv_shape s, long lanes, float *scratch) {
    lanes = swiftcnn_conv_vector_width(lanes);
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

// The kernel gradient along rows: dW[ky, kx, ci, f] = Σ over output pixels of
// X[ci][oy + ky][ox + kx] · dY[f][oy][ox], from planar copies of the image and of dY (dY's
// rows padded with zeros to whole vectors). Each pass takes G taps (ky, kx, ci in dW's
// order) for all F filters: per vector of output pixels it loads F dY vectors and G input
// vectors and makes G·F FMAs into accumulators that stay in registers over the image. The
// accumulators are vectors of partial sums, kept across images in `partials` and summed
// across their lanes once per call.
static long gradient_dy_row(swiftcnn_conv_shape s, long lanes) { return (s.outputWidth + lanes - 1) / lanes * lanes; }

long swiftcnn_conv_rows_gradient_scratch(swiftcnn_conv_shape s) {
    long taps = s.kernelHeight * s.kernelWidth * s.channels;
    return s.channels * planar_rows(s) * planar_row(s, ROWS_MAX_LANES) +
           ROWS_MAX_FILTERS * s.outputHeight * gradient_dy_row(s, ROWS_MAX_LANES) + taps * ROWS_MAX_FILTERS * ROWS_MAX_LANES;
}

#define GRADIENT_PASS(VEC, UVEC, LANES, F, G)                                                                    \
    for (long t0 = 0; t0 < taps; t0 += G) {                                                                      \
        const float *base[G];                                                                                    \
        VEC acc[G][F];                                                                                           \
        UNROLL for (int g = 0; g < G; g++) {                                                                     \
            /* Past the last tap a slot repeats the first; its sums are dropped. */                             \
            long t = t0 + g < taps ? t0 + g : t0;                                                                \
            long ky = t / (kw * c), kx = t / c % kw, ci = t % c;                                                 \
            base[g] = planar + (ci * rows + ky) * row + kx;                                                      \
            UNROLL for (int f = 0; f < F; f++) acc[g][f] = *(const UVEC *)(partials + ((t * F) + f) * LANES);     \
        }                                                                                                        \
        for (long oy = 0; oy < oh; oy++) {                                                                       \
            const float *d = dyPlanar + oy * dyRow;                                                              \
            for (long x0 = 0; x0 < dyRow; x0 += LANES) {                                                         \
                /* G input vectors, then each filter's dY vector used at once by all G: */                      \
                /* G·F + G + 1 registers live, where holding all F dY vectors took G·F + F + 1. */               \
                VEC p[G];                                                                                        \
                UNROLL for (int g = 0; g < G; g++) p[g] = *(const UVEC *)(base[g] + oy * row + x0);              \
                UNROLL for (int f = 0; f < F; f++) {                                                             \
                    VEC dv = *(const UVEC *)(d + f * oh * dyRow + x0);                                           \
                    UNROLL for (int g = 0; g < G; g++) acc[g][f] += p[g] * dv;                                   \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        UNROLL for (int g = 0; g < G; g++) {                                                                     \
            if (t0 + g >= taps) break;                                                                           \
            UNROLL for (int f = 0; f < F; f++) *(UVEC *)(partials + (((t0 + g) * F) + f) * LANES) = acc[g][f];   \
        }                                                                                                        \
    }

// One image's passes for F filters, G taps a pass (compile-time counts).
#define DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, VEC, UVEC, LANES, F, G)                                    \
    ATTRIBUTES static void rows_gradient_##ISA##_##F(const float *planar, long row, const float *restrict dy,    \
                                                     float *restrict dyPlanar, long dyRow,                       \
                                                     float *restrict partials, swiftcnn_conv_shape s) {          \
        long kw = s.kernelWidth, c = s.channels, oh = s.outputHeight, ow = s.outputWidth, rows = planar_rows(s);  \
        long taps = s.kernelHeight * kw * c;                                                                     \
        /* dY's planes; with F fixed the compiler turns the gather into shuffles. */                            \
        for (long oy = 0; oy < oh; oy++) {                                                                       \
            const float *source = dy + oy * ow * F;                                                              \
            for (long ox = 0; ox < ow; ox++)                                                                     \
                UNROLL for (int f = 0; f < F; f++) dyPlanar[(f * oh + oy) * dyRow + ox] = source[ox * F + f];    \
            for (long ox = ow; ox < dyRow; ox++)                                                                 \
                UNROLL for (int f = 0; f < F; f++) dyPlanar[(f * oh + oy) * dyRow + ox] = 0;                     \
        }                                                                                                        \
        GRADIENT_PASS(VEC, UVEC, LANES, F, G)                                                                    \
    }

// G: accumulators G·F plus G input vectors and one dY vector within the registers (32 on
// AVX-512, 16 on AVX2 and SSE); AVX2 takes 2 taps of 6 filters (12 accumulators).
#define GRADIENT_TAPS(REGISTERS, F) ((REGISTERS - 1) / (F + 1) > 8 ? 8 : (REGISTERS - 1) / (F + 1) < 1 ? 1 : (REGISTERS - 1) / (F + 1))

#define DEFINE_ROWS_GRADIENT(ISA, ATTRIBUTES, LANES, REGISTERS)                                                  \
    typedef float ISA##_gvec __attribute__((vector_size(LANES * 4)));                                            \
    typedef float ISA##_guvec __attribute__((vector_size(LANES * 4), aligned(4)));                               \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 1, GRADIENT_TAPS(REGISTERS, 1)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 2, GRADIENT_TAPS(REGISTERS, 2)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 3, GRADIENT_TAPS(REGISTERS, 3)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 4, GRADIENT_TAPS(REGISTERS, 4)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 5, GRADIENT_TAPS(REGISTERS, 5)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 6, GRADIENT_TAPS(REGISTERS, 6)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 7, GRADIENT_TAPS(REGISTERS, 7)) \
    DEFINE_ROWS_GRADIENT_FILTERS(ISA, ATTRIBUTES, ISA##_gvec, ISA##_guvec, LANES, 8, GRADIENT_TAPS(REGISTERS, 8)) \
    ATTRIBUTES static void rows_gradient_##ISA(const float *planar, long row, const float *dy, float *dyPlanar,   \
                                               long dyRow, float *partials, swiftcnn_conv_shape s) {             \
        switch (s.filters) {                                                                                     \
        case 1: rows_gradient_##ISA##_1(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        case 2: rows_gradient_##ISA##_2(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        case 3: rows_gradient_##ISA##_3(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        case 4: rows_gradient_##ISA##_4(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        case 5: rows_gradient_##ISA##_5(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        case 6: rows_gradient_##ISA##_6(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        case 7: rows_gradient_##ISA##_7(planar, row, dy, dyPlanar, dyRow, partials, s); break;                       \
        default: rows_gradient_##ISA##_8(planar, row, dy, dyPlanar, dyRow, partials, s); break;                      \
        }                                                                                                        \
    }

#if defined(__x86_64__)
DEFINE_ROWS_GRADIENT(avx512, __attribute__((target("avx512f"))), 16, 32)
DEFINE_ROWS_GRADIENT(avx2, __attribute__((target("avx2,fma"))), 8, 16)
#endif
DEFINE_ROWS_GRADIENT(generic, , 4, 16)

void swiftcnn_conv_rows_kernel_gradient(const float *input, const float *gradOutput, float *packedGradient,
                                        long gradientLanes, long images, swiftcnn_conv_shape s, long lanes,
                                        float *scratch) {
    lanes = swiftcnn_conv_vector_width(lanes);
    long row = planar_row(s, lanes), dyRow = gradient_dy_row(s, lanes), f = s.filters;
    long oh = s.outputHeight, taps = s.kernelHeight * s.kernelWidth * s.channels;
    long inStride = s.height * s.width * s.channels, outStride = oh * s.outputWidth * f;
    float *planar = scratch;
    float *dyPlanar = planar + s.channels * planar_rows(s) * row;
    float *partials = dyPlanar + f * oh * dyRow;
    memset(partials, 0, (size_t)(taps * f * lanes) * sizeof(float));
    for (long n = 0; n < images; n++) {
        make_planar(input + n * inStride, planar, row, s);
        const float *dy = gradOutput + n * outStride;
#if defined(__x86_64__)
        if (lanes == 16) { rows_gradient_avx512(planar, row, dy, dyPlanar, dyRow, partials, s); continue; }
        if (lanes == 8) { rows_gradient_avx2(planar, row, dy, dyPlanar, dyRow, partials, s); continue; }
#endif
        rows_gradient_generic(planar, row, dy, dyPlanar, dyRow, partials, s);
    }
    for (long t = 0; t < taps; t++)
        for (long o = 0; o < f; o++) {
            const float *v = partials + (t * f + o) * lanes;
            float sum = 0;
            for (long l = 0; l < lanes; l++) sum += v[l];
            packedGradient[t * gradientLanes + o] += sum;
        }
}
