// Direct convolution for layers with few filters (the course's first layers: 6 or 16),
// where im2col + SGEMM spends its time writing a column matrix and SGEMM runs an N of 6
// at a fraction of its speed. The filter axis is padded to a vector width (8 or 16), up to
// eight output pixels are computed together (8, then 4, 2, 1 for a row's remainder) so
// independent accumulators hide the FMA latency, and the input is copied once into a zero-padded image so no bounds are checked
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
// used PIX times.
#define FORWARD_PIXELS(LANES, PIX)                                                                              \
    for (; ox + PIX <= s.outputWidth; ox += PIX) {                                                              \
        float acc[PIX][LANES];                                                                                  \
        UNROLL for (int i = 0; i < PIX; i++) for (long f = 0; f < LANES; f++) acc[i][f] = init[f];             \
        for (long ky = 0; ky < s.kernelHeight; ky++) {                                                          \
            const float *row = padded + ((oy * s.strideHeight + ky) * pw + ox * s.strideWidth) * c;             \
            const float *w = kernel + ky * patchRow * LANES;                                                    \
            for (long k = 0; k < patchRow; k++) {                                                               \
                const float *wk = w + k * LANES;                                                                \
                UNROLL for (int i = 0; i < PIX; i++) {                                                          \
                    float a = row[k + i * step];                                                                \
                    for (long f = 0; f < LANES; f++) acc[i][f] += a * wk[f];                                    \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        for (int i = 0; i < PIX; i++)                                                                           \
            memcpy(out + ((oy * s.outputWidth) + ox + i) * s.filters, acc[i], (size_t)count * sizeof(float));     \
    }

#define DEFINE_FORWARD(LANES)                                                                                   \
    CLONES static void forward_##LANES(const float *padded, long pw, const float *restrict kernel,             \
                                       const float *bias, float *restrict out, swiftcnn_conv_shape s,          \
                                       long count) {                                                           \
        long c = s.channels, patchRow = s.kernelWidth * c, step = s.strideWidth * c;                           \
        float init[LANES];                                                                                      \
        for (long f = 0; f < LANES; f++) init[f] = (bias && f < count) ? bias[f] : 0;                           \
        for (long oy = 0; oy < s.outputHeight; oy++) {                                                          \
            long ox = 0;                                                                                        \
            FORWARD_PIXELS(LANES, 8)                                                                            \
            FORWARD_PIXELS(LANES, 4)                                                                            \
            FORWARD_PIXELS(LANES, 2)                                                                            \
            FORWARD_PIXELS(LANES, 1)                                                                            \
        }                                                                                                       \
    }

// The kernel gradient of TAPS consecutive taps of one kernel row (kx and channel run
// together along a padded input row), summed over every output pixel of the image: the
// TAPS accumulators stay in registers across the whole image, and each pixel costs one
// load of its (lane-padded) output gradient, TAPS broadcasts and TAPS FMAs.
#define GRADIENT_TAPS(LANES, TAPS)                                                                              \
    for (; k + TAPS <= patchRow; k += TAPS) {                                                                   \
        float acc[TAPS][LANES];                                                                                 \
        UNROLL for (int t = 0; t < TAPS; t++) for (long f = 0; f < LANES; f++) acc[t][f] = 0;                  \
        for (long oy = 0; oy < s.outputHeight; oy++) {                                                          \
            const float *row = padded + ((oy * s.strideHeight + ky) * pw) * c + k;                              \
            const float *d = dyLanes + oy * s.outputWidth * LANES;                                              \
            for (long ox = 0; ox < s.outputWidth; ox++) {                                                       \
                const float *a = row + ox * step;                                                               \
                const float *dp = d + ox * LANES;                                                               \
                UNROLL for (int t = 0; t < TAPS; t++) {                                                         \
                    float at = a[t];                                                                            \
                    for (long f = 0; f < LANES; f++) acc[t][f] += at * dp[f];                                   \
                }                                                                                               \
            }                                                                                                   \
        }                                                                                                       \
        float *g = grad + (ky * patchRow + k) * LANES;                                                          \
        UNROLL for (int t = 0; t < TAPS; t++) for (long f = 0; f < LANES; f++) g[t * LANES + f] += acc[t][f];  \
    }

#define DEFINE_KERNEL_GRADIENT(LANES)                                                                           \
    CLONES static void kernel_gradient_##LANES(const float *padded, long pw, const float *restrict dy,         \
                                               float *restrict dyLanes, float *restrict grad,                  \
                                               swiftcnn_conv_shape s) {                                        \
        long c = s.channels, patchRow = s.kernelWidth * c, step = s.strideWidth * c;                           \
        long pixels = s.outputHeight * s.outputWidth;                                                           \
        /* The output gradient with its filter axis padded to the lanes, zeros beyond. */                       \
        for (long p = 0; p < pixels; p++)                                                                       \
            for (long f = 0; f < LANES; f++) dyLanes[p * LANES + f] = f < s.filters ? dy[p * s.filters + f] : 0; \
        for (long ky = 0; ky < s.kernelHeight; ky++) {                                                          \
            long k = 0;                                                                                         \
            GRADIENT_TAPS(LANES, 8)                                                                             \
            /* The last 1–7 taps in one pass: each pass reads the whole image once. */                          \
            GRADIENT_TAPS(LANES, 7)                                                                             \
            GRADIENT_TAPS(LANES, 6)                                                                             \
            GRADIENT_TAPS(LANES, 5)                                                                             \
            GRADIENT_TAPS(LANES, 4)                                                                             \
            GRADIENT_TAPS(LANES, 3)                                                                             \
            GRADIENT_TAPS(LANES, 2)                                                                             \
            GRADIENT_TAPS(LANES, 1)                                                                             \
        }                                                                                                       \
    }

DEFINE_FORWARD(8)
DEFINE_FORWARD(16)
DEFINE_KERNEL_GRADIENT(8)
DEFINE_KERNEL_GRADIENT(16)

void swiftcnn_conv_direct_forward(const float *input, const float *packedKernel, const float *bias, float *output,
                                  long images, swiftcnn_conv_shape s, long lanes, float *padded) {
    long inStride = s.height * s.width * s.channels, outStride = s.outputHeight * s.outputWidth * s.filters;
    long patch = s.kernelHeight * s.kernelWidth * s.channels;
    int inside = windows_inside(s);
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
            if (lanes == 8) forward_8(image, pw, kernel, b, out, s, count);
            else forward_16(image, pw, kernel, b, out, s, count);
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
    int inside = windows_inside(s);
    for (long n = 0; n < images; n++) {
        const float *image = input + n * inStride;
        long pw = s.width;
        if (!inside) {
            pw = pad_image(image, scratch, s);
            image = scratch;
        }
        if (lanes == 8) kernel_gradient_8(image, pw, gradOutput + n * outStride, dyLanes, packedGradient, s);
        else kernel_gradient_16(image, pw, gradOutput + n * outStride, dyLanes, packedGradient, s);
    }
}
