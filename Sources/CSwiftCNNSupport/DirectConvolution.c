// Direct convolution for layers with few filters (the course's first layers: 6 or 16),
// where im2col + SGEMM spends its time writing a column matrix and SGEMM runs an N of 6
// at a fraction of its speed. The filter axis is padded to a vector width (8 or 16), up to
// eight output pixels are computed together (as many as the instruction set's registers
// hold, then 4, 2, 1 for a row's remainder) so independent accumulators hide the FMA
// latency, and the input is copied once into a zero-padded image so no bounds are checked
// in the inner loops.
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <string.h>

long swiftcnn_conv_direct_lanes(long filters) {
    if (filters <= 8) return 8;
    if (filters <= 16) return 16;
    return 0;
}

// The padded image: top/left padding as TensorFlow splits it, enough bottom/right rows
// and columns for every window. Returns its width.
static long pad_image(const float *image, float *padded, swiftcnn_conv_shape s) {
    long pw = (s.outputWidth - 1) * s.strideWidth + s.kernelWidth;
    long ph = (s.outputHeight - 1) * s.strideHeight + s.kernelHeight;
    if (pw < s.width + s.padLeft) pw = s.width + s.padLeft;
    if (ph < s.height + s.padTop) ph = s.height + s.padTop;
    long c = s.channels, rowFloats = pw * c;
    // Only the border is zeroed: the image rows are copied over the rest.
    memset(padded, 0, (size_t)(s.padTop * rowFloats) * sizeof(float));
    memset(padded + (s.padTop + s.height) * rowFloats, 0, (size_t)((ph - s.padTop - s.height) * rowFloats) * sizeof(float));
    long right = pw - s.padLeft - s.width;
    for (long y = 0; y < s.height; y++) {
        float *row = padded + (y + s.padTop) * rowFloats;
        memset(row, 0, (size_t)(s.padLeft * c) * sizeof(float));
        memcpy(row + s.padLeft * c, image + y * s.width * c, (size_t)(s.width * c) * sizeof(float));
        memset(row + (s.padLeft + s.width) * c, 0, (size_t)(right * c) * sizeof(float));
    }
    return pw;
}

// With no padding and every window inside the image (a 1×1 kernel of any stride, a
// `valid` convolution), the windows read the image itself: copying it first would read
// all of it where a strided kernel needs a fraction, and such layers are bound by memory.
static int windows_inside(swiftcnn_conv_shape s) {
    return s.padTop == 0 && s.padLeft == 0 && (s.outputWidth - 1) * s.strideWidth + s.kernelWidth <= s.width &&
           (s.outputHeight - 1) * s.strideHeight + s.kernelHeight <= s.height;
}

// PIX output pixels at once: PIX independent accumulators hide the FMA latency (four
// cycles, two pipes: eight are needed to keep both busy), and each kernel row loaded is
// used PIX times. The LANES filters are LANES / VL vectors of the copy's width VL, written
// as vectors so that the accumulators stay in registers: left to the vectoriser, AVX2's
// 6 × 16 tile became scalar inserts and spills.
#define FORWARD_PIXELS(VEC, VL, LANES, PIX)                                                                     \
    for (; ox + PIX <= s.outputWidth; ox += PIX) {                                                              \
        VEC acc[PIX][LANES / VL];                                                                               \
        UNROLL for (int i = 0; i < PIX; i++) UNROLL for (int v = 0; v < LANES / VL; v++) acc[i][v] = init[v];   \
        for (long ky = 0; ky < s.kernelHeight; ky++) {                                                          \
            const float *row = padded + ((oy * s.strideHeight + ky) * pw + ox * s.strideWidth) * c;             \
            const float *w = kernel + ky * patchRow * LANES;                                                    \
            for (long k = 0; k < patchRow; k++) {                                                               \
                VEC wv[LANES / VL];                                                                             \
                UNROLL for (int v = 0; v < LANES / VL; v++) wv[v] = *(const VEC *)(w + k * LANES + v * VL);     \
                UNROLL for (int i = 0; i < PIX; i++) {                                                          \
                    float a = row[k + i * step];                                                                \
                    UNROLL for (int v = 0; v < LANES / VL; v++) acc[i][v] += a * wv[v];                         \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        for (int i = 0; i < PIX; i++) {                                                                         \
            float *o = out + ((oy * s.outputWidth) + ox + i) * s.filters;                                       \
            if (count == LANES) {                                                                               \
                UNROLL for (int v = 0; v < LANES / VL; v++) *(VEC *)(o + v * VL) = acc[i][v];                   \
            } else {                                                                                            \
                memcpy(o, acc[i], (size_t)count * sizeof(float));                                               \
            }                                                                                                   \
        }                                                                                                       \
    }

// One copy per instruction set, each with its own tile (P1 pixels, then P2, P3, 1 for a
// row's remainder): the PIX × LANES / VL accumulators must fit the register file beside
// the operands: AVX-512 has 32 registers of 16 floats, AVX2 16 of 8, SSE 16 of 4.
#define DEFINE_FORWARD(ISA, ATTRIBUTES, VEC, VL, LANES, P1, P2, P3)                                             \
    ATTRIBUTES static void forward_##ISA##_##LANES(const float *padded, long pw, const float *restrict kernel, \
                                                   const float *bias, float *restrict out,                     \
                                                   swiftcnn_conv_shape s, long count) {                        \
        long c = s.channels, patchRow = s.kernelWidth * c, step = s.strideWidth * c;                           \
        float first[LANES];                                                                                     \
        for (long f = 0; f < LANES; f++) first[f] = (bias && f < count) ? bias[f] : 0;                          \
        VEC init[LANES / VL];                                                                                   \
        memcpy(init, first, sizeof first);                                                                      \
        for (long oy = 0; oy < s.outputHeight; oy++) {                                                          \
            long ox = 0;                                                                                        \
            FORWARD_PIXELS(VEC, VL, LANES, P1)                                                                  \
            FORWARD_PIXELS(VEC, VL, LANES, P2)                                                                  \
            FORWARD_PIXELS(VEC, VL, LANES, P3)                                                                  \
            FORWARD_PIXELS(VEC, VL, LANES, 1)                                                                   \
        }                                                                                                       \
    }

// The kernel gradient of TAPS consecutive taps of one kernel row (kx and channel run
// together along a padded input row), summed over every output pixel of the image: the
// TAPS accumulators stay in registers across the whole image, and each pixel costs one
// load of its (lane-padded) output gradient, TAPS broadcasts and TAPS FMAs per vector.
// Taken only when TAPS ≤ MOST, the copy's register budget.
#define GRADIENT_TAPS(VEC, VL, LANES, TAPS, MOST)                                                               \
    if (TAPS <= MOST)                                                                                           \
        for (; k + TAPS <= patchRow; k += TAPS) {                                                               \
            VEC acc[TAPS][LANES / VL];                                                                          \
            UNROLL for (int t = 0; t < TAPS; t++) UNROLL for (int v = 0; v < LANES / VL; v++) acc[t][v] = (VEC){}; \
            for (long oy = 0; oy < s.outputHeight; oy++) {                                                      \
                const float *row = padded + ((oy * s.strideHeight + ky) * pw) * c + k;                          \
                const float *d = dyLanes + oy * s.outputWidth * LANES;                                          \
                for (long ox = 0; ox < s.outputWidth; ox++) {                                                   \
                    const float *a = row + ox * step;                                                           \
                    VEC dv[LANES / VL];                                                                         \
                    UNROLL for (int v = 0; v < LANES / VL; v++) dv[v] = *(const VEC *)(d + ox * LANES + v * VL); \
                    UNROLL for (int t = 0; t < TAPS; t++) {                                                     \
                        float at = a[t];                                                                        \
                        UNROLL for (int v = 0; v < LANES / VL; v++) acc[t][v] += at * dv[v];                    \
                    }                                                                                           \
                }                                                                                               \
            }                                                                                                   \
            float *g = grad + (ky * patchRow + k) * LANES;                                                      \
            UNROLL for (int t = 0; t < TAPS; t++) UNROLL for (int v = 0; v < LANES / VL; v++) {                 \
                VEC *p = (VEC *)(g + t * LANES + v * VL);                                                       \
                *p = *p + acc[t][v];                                                                            \
            }                                                                                                   \
        }

#define DEFINE_KERNEL_GRADIENT(ISA, ATTRIBUTES, VEC, VL, LANES, MOST)                                           \
    ATTRIBUTES static void kernel_gradient_##ISA##_##LANES(const float *padded, long pw,                       \
                                                           const float *restrict dy, float *restrict dyLanes,  \
                                                           float *restrict grad, swiftcnn_conv_shape s) {      \
        long c = s.channels, patchRow = s.kernelWidth * c, step = s.strideWidth * c;                           \
        long pixels = s.outputHeight * s.outputWidth;                                                           \
        /* The output gradient with its filter axis padded to the lanes, zeros beyond. */                       \
        for (long p = 0; p < pixels; p++)                                                                       \
            for (long f = 0; f < LANES; f++) dyLanes[p * LANES + f] = f < s.filters ? dy[p * s.filters + f] : 0; \
        for (long ky = 0; ky < s.kernelHeight; ky++) {                                                          \
            long k = 0;                                                                                         \
            /* Whole groups of MOST taps, then the last ones in one pass: each pass reads the image once. */   \
            GRADIENT_TAPS(VEC, VL, LANES, 8, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 7, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 6, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 5, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 4, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 3, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 2, MOST)                                                              \
            GRADIENT_TAPS(VEC, VL, LANES, 1, MOST)                                                              \
        }                                                                                                       \
    }

// Tiles: AVX-512 8 pixels or taps of one vector (8 of 32 registers); AVX2 8 of one vector
// for 8 filters and 6 of two for 16 (12 of 16 registers); SSE 4 of two, 2 of four.
#define DEFINE_DIRECT(ISA, ATTRIBUTES, V8, V8L, V16, V16L, P8, P16, MOST8, MOST16)                                \
    DEFINE_FORWARD(ISA, ATTRIBUTES, V8, V8L, 8, P8, 4, 2)                                                       \
    DEFINE_FORWARD(ISA, ATTRIBUTES, V16, V16L, 16, P16, 4, 2)                                                   \
    DEFINE_KERNEL_GRADIENT(ISA, ATTRIBUTES, V8, V8L, 8, MOST8)                                                  \
    DEFINE_KERNEL_GRADIENT(ISA, ATTRIBUTES, V16, V16L, 16, MOST16)                                              \
    static void forward_##ISA(const float *padded, long pw, const float *kernel, const float *bias, float *out, \
                              swiftcnn_conv_shape s, long count, long lanes) {                                  \
        if (lanes == 8) forward_##ISA##_8(padded, pw, kernel, bias, out, s, count);                            \
        else forward_##ISA##_16(padded, pw, kernel, bias, out, s, count);                                      \
    }                                                                                                           \
    static void kernel_gradient_##ISA(const float *padded, long pw, const float *dy, float *dyLanes,           \
                                      float *grad, swiftcnn_conv_shape s, long lanes) {                         \
        if (lanes == 8) kernel_gradient_##ISA##_8(padded, pw, dy, dyLanes, grad, s);                           \
        else kernel_gradient_##ISA##_16(padded, pw, dy, dyLanes, grad, s);                                     \
    }

typedef float direct_v4 __attribute__((vector_size(16), aligned(4)));
typedef float direct_v8 __attribute__((vector_size(32), aligned(4)));
typedef float direct_v16 __attribute__((vector_size(64), aligned(4)));
#if defined(__x86_64__)
DEFINE_DIRECT(avx512, __attribute__((target("avx512f"))), direct_v8, 8, direct_v16, 16, 8, 8, 8, 8)
DEFINE_DIRECT(avx2, __attribute__((target("avx2,fma"))), direct_v8, 8, direct_v8, 8, 8, 6, 8, 6)
#endif
DEFINE_DIRECT(generic, , direct_v4, 4, direct_v4, 4, 4, 2, 4, 2)

// Which copy runs: `level` is swiftcnn_isa_level(), the instruction set the CLONES kernels
// get too (kernel_attributes.h), read once per call of the entry points below.
static void direct_forward(const float *padded, long pw, const float *kernel, const float *bias, float *out,
                           swiftcnn_conv_shape s, long count, long lanes, int level) {
#if defined(__x86_64__)
    switch (level) {
    case 2: forward_avx512(padded, pw, kernel, bias, out, s, count, lanes); return;
    case 1: forward_avx2(padded, pw, kernel, bias, out, s, count, lanes); return;
    default: break;
    }
#endif
    forward_generic(padded, pw, kernel, bias, out, s, count, lanes);
}

static void direct_kernel_gradient(const float *padded, long pw, const float *dy, float *dyLanes, float *grad,
                                   swiftcnn_conv_shape s, long lanes, int level) {
#if defined(__x86_64__)
    switch (level) {
    case 2: kernel_gradient_avx512(padded, pw, dy, dyLanes, grad, s, lanes); return;
    case 1: kernel_gradient_avx2(padded, pw, dy, dyLanes, grad, s, lanes); return;
    default: break;
    }
#endif
    kernel_gradient_generic(padded, pw, dy, dyLanes, grad, s, lanes);
}

void swiftcnn_conv_direct_forward(const float *input, const float *packedKernel, const float *bias, float *output,
                                  long images, swiftcnn_conv_shape s, long lanes, float *padded) {
    long inStride = s.height * s.width * s.channels, outStride = s.outputHeight * s.outputWidth * s.filters;
    long patch = s.kernelHeight * s.kernelWidth * s.channels;
    int inside = windows_inside(s), level = swiftcnn_isa_level();
    for (long n = 0; n < images; n++) {
        const float *image = input + n * inStride;
        long pw = s.width;
        if (!inside) {
            pw = pad_image(image, padded, s);
            image = padded;
        }
        // One block of `lanes` filters after another over the same (cached) image, each
        // writing its columns of the output.
        for (long first = 0; first < s.filters; first += lanes) {
            long count = s.filters - first < lanes ? s.filters - first : lanes;
            const float *kernel = packedKernel + first * patch;
            float *out = output + n * outStride + first;
            const float *b = bias ? bias + first : NULL;
            direct_forward(image, pw, kernel, b, out, s, count, lanes, level);
        }
    }
}

long swiftcnn_conv_direct_gradient_scratch(swiftcnn_conv_shape s, long lanes) {
    return (s.height + s.kernelHeight) * (s.width + s.kernelWidth) * s.channels +
           s.outputHeight * s.outputWidth * lanes;
}

void swiftcnn_conv_direct_kernel_gradient(const float *input, const float *gradOutput, float *packedGradient,
                                          long images, swiftcnn_conv_shape s, long lanes, float *scratch) {
    long inStride = s.height * s.width * s.channels, outStride = s.outputHeight * s.outputWidth * s.filters;
    float *dyLanes = scratch + (s.height + s.kernelHeight) * (s.width + s.kernelWidth) * s.channels;
    int inside = windows_inside(s), level = swiftcnn_isa_level();
    for (long n = 0; n < images; n++) {
        const float *image = input + n * inStride;
        long pw = s.width;
        if (!inside) {
            pw = pad_image(image, scratch, s);
            image = scratch;
        }
        direct_kernel_gradient(image, pw, gradOutput + n * outStride, dyLanes, packedGradient, s, lanes, level);
    }
}
