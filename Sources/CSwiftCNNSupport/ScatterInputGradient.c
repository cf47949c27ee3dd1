// The input gradient of a convolution with few filters, scattered from each output pixel.
// In NHWC the kw·c floats of dX that one kernel row of a window covers are contiguous, and
// their gradient is Σ_f dY[pixel, f] · W[ky, ·, ·, f]: a vector of kw·c, made from F
// broadcasts and F FMAs on the kernel row packed as [ky][f][kw·c, zero-padded]. The
// transposed direct convolution it replaces (DirectConvolution.c on the flipped kernel)
// multiplies the zeros of dY's (k − 1)-wide border too and fills c of its lanes: in
// LeNet5's second layer (6 channels, 10×10 dY) half its taps fall on the border and 6 of
// 8 lanes are used, where here 150 of 160 are. On the im2col path (up to 32 filters) it
// replaces dY·Wᵀ, whose inner dimension is the filter count, and col2im's read of a column
// matrix kh·kw times the image.
// Each pass makes PIX neighbouring pixels' vectors for one segment of a kernel row, so each
// weight vector loaded serves PIX pixels and PIX·(segment / lanes) accumulators hide the
// FMA latency;
// the pixels' rows overlap in dX and are added one after the other into a zeroed, padded
// copy, whose interior is then copied out.
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <string.h>

// Rows of up to 512 floats (kw·c), taken in segments of at most 64 (four AVX-512 vectors,
// eight AVX2 ones) so the accumulators of PIX pixels stay in registers.
enum { SCATTER_MAX_ROW = 512, SCATTER_SEGMENT = 64, SCATTER_ROW_STEP = 16 };

long swiftcnn_conv_scatter_row(swiftcnn_conv_shape s) {
    long row = (s.kernelWidth * s.channels + SCATTER_ROW_STEP - 1) / SCATTER_ROW_STEP * SCATTER_ROW_STEP;
    return row <= SCATTER_MAX_ROW ? row : 0;
}

long swiftcnn_conv_scatter_kernel_count(swiftcnn_conv_shape s) {
    return s.kernelHeight * s.filters * swiftcnn_conv_scatter_row(s);
}

void swiftcnn_conv_scatter_pack(const float *kernel, float *packed, swiftcnn_conv_shape s) {
    long row = swiftcnn_conv_scatter_row(s), patchRow = s.kernelWidth * s.channels, f = s.filters;
    for (long ky = 0; ky < s.kernelHeight; ky++)
        for (long o = 0; o < f; o++) {
            float *target = packed + (ky * f + o) * row;
            for (long j = 0; j < row; j++) target[j] = j < patchRow ? kernel[(ky * patchRow + j) * f + o] : 0;
        }
}

// The padded dX every window fits in (TensorFlow's top/left padding before the image).
static long padded_rows(swiftcnn_conv_shape s) {
    long rows = (s.outputHeight - 1) * s.strideHeight + s.kernelHeight;
    return rows > s.padTop + s.height ? rows : s.padTop + s.height;
}

static long padded_width(swiftcnn_conv_shape s) {
    long width = (s.outputWidth - 1) * s.strideWidth + s.kernelWidth;
    return width > s.padLeft + s.width ? width : s.padLeft + s.width;
}

// The last pixel's vector reaches up to `row − kw·c` (< 16) floats past the padded image;
// those lanes add the packed kernel's zeros.
long swiftcnn_conv_scatter_scratch(swiftcnn_conv_shape s) {
    return padded_rows(s) * padded_width(s) * s.channels + SCATTER_ROW_STEP;
}

#define SCATTER_PIXELS(NV, BUDGET) ((BUDGET) / (NV) >= 4 ? 4 : (BUDGET) / (NV) >= 1 ? (BUDGET) / (NV) : 1)

#define SCATTER_PASS(VEC, UVEC, LANES, NV, PIX)                                                                  \
    for (; ox + PIX <= ow; ox += PIX)                                                                            \
        for (long ky = 0; ky < kh; ky++) {                                                                       \
            VEC acc[PIX][NV];                                                                                    \
            UNROLL for (int i = 0; i < PIX; i++) UNROLL for (int v = 0; v < NV; v++) acc[i][v] = (VEC){};        \
            const float *d = dy + (oy * ow + ox) * f;                                                            \
            const float *w = packed + ky * f * row + segment;                                                    \
            for (long o = 0; o < f; o++) {                                                                       \
                UNROLL for (int v = 0; v < NV; v++) {                                                            \
                    VEC wv = *(const VEC *)(w + o * row + v * LANES);                                            \
                    UNROLL for (int i = 0; i < PIX; i++) acc[i][v] += d[i * f + o] * wv;                         \
                }                                                                                                \
            }                                                                                                    \
            float *dst = padded + ((oy * sh + ky) * pw + ox * sw) * c + segment;                                 \
            UNROLL for (int i = 0; i < PIX; i++) UNROLL for (int v = 0; v < NV; v++) {                           \
                UVEC *p = (UVEC *)(dst + i * sw * c + v * LANES);                                                \
                *p = *p + acc[i][v];                                                                             \
            }                                                                                                    \
        }

// One image's scatter of one SEGMENT-float segment of the packed rows, SEGMENT / LANES
// vectors (compile-time counts, so the accumulators live in registers).
#define DEFINE_SCATTER_SEGMENT(ISA, ATTRIBUTES, VEC, LANES, SEGMENT, BUDGET)                                      \
    ATTRIBUTES static void scatter_##ISA##_##SEGMENT(const float *restrict dy, const float *restrict packed,     \
                                                     float *restrict padded, long pw, long row, long segment,    \
                                                     swiftcnn_conv_shape s) {                                    \
        long kh = s.kernelHeight, c = s.channels, f = s.filters, ow = s.outputWidth;                             \
        long sh = s.strideHeight, sw = s.strideWidth;                                                            \
        for (long oy = 0; oy < s.outputHeight; oy++) {                                                           \
            long ox = 0;                                                                                         \
            SCATTER_PASS(VEC, VEC, LANES, (SEGMENT / LANES), SCATTER_PIXELS(SEGMENT / LANES, BUDGET))            \
            SCATTER_PASS(VEC, VEC, LANES, (SEGMENT / LANES), 1)                                                  \
        }                                                                                                        \
    }

// BUDGET: accumulators beside the operands (32 registers on AVX-512, 16 on AVX2 and SSE).
#define DEFINE_SCATTER(ISA, ATTRIBUTES, LANES, BUDGET)                                                           \
    typedef float ISA##_svec __attribute__((vector_size(LANES * 4), aligned(4)));                                \
    DEFINE_SCATTER_SEGMENT(ISA, ATTRIBUTES, ISA##_svec, LANES, 16, BUDGET)                                       \
    DEFINE_SCATTER_SEGMENT(ISA, ATTRIBUTES, ISA##_svec, LANES, 32, BUDGET)                                       \
    DEFINE_SCATTER_SEGMENT(ISA, ATTRIBUTES, ISA##_svec, LANES, 48, BUDGET)                                       \
    DEFINE_SCATTER_SEGMENT(ISA, ATTRIBUTES, ISA##_svec, LANES, 64, BUDGET)                                       \
    ATTRIBUTES static void scatter_##ISA(const float *dy, const float *packed, float *padded, long pw, long row,  \
                                         swiftcnn_conv_shape s) {                                                \
        for (long segment = 0; segment < row; segment += SCATTER_SEGMENT) {                                      \
            switch (row - segment < SCATTER_SEGMENT ? row - segment : SCATTER_SEGMENT) {                         \
            case 16: scatter_##ISA##_16(dy, packed, padded, pw, row, segment, s); break;                         \
            case 32: scatter_##ISA##_32(dy, packed, padded, pw, row, segment, s); break;                         \
            case 48: scatter_##ISA##_48(dy, packed, padded, pw, row, segment, s); break;                         \
            default: scatter_##ISA##_64(dy, packed, padded, pw, row, segment, s); break;                         \
            }                                                                                                    \
        }                                                                                                        \
    }

#if defined(__x86_64__)
DEFINE_SCATTER(avx512, __attribute__((target("avx512f"))), 16, 12)
DEFINE_SCATTER(avx2, __attribute__((target("avx2,fma"))), 8, 8)
#endif
DEFINE_SCATTER(generic, , 4, 8)

void swiftcnn_conv_scatter_input_gradient(const float *gradOutput, const float *packedKernel, float *gradInput,
                                          long images, swiftcnn_conv_shape s, long lanes, float *scratch) {
    lanes = swiftcnn_conv_vector_width(lanes);
    long row = swiftcnn_conv_scatter_row(s);
    if (row == 0) return;
    long pw = padded_width(s), c = s.channels;
    long paddedCount = padded_rows(s) * pw * c;
    long inStride = s.height * s.width * c, outStride = s.outputHeight * s.outputWidth * s.filters;
    for (long n = 0; n < images; n++) {
        const float *dy = gradOutput + n * outStride;
        memset(scratch, 0, (size_t)(paddedCount + SCATTER_ROW_STEP) * sizeof(float));
#if defined(__x86_64__)
        if (lanes == 16) scatter_avx512(dy, packedKernel, scratch, pw, row, s);
        else if (lanes == 8) scatter_avx2(dy, packedKernel, scratch, pw, row, s);
        else
#endif
            scatter_generic(dy, packedKernel, scratch, pw, row, s);
        float *dx = gradInput + n * inStride;
        for (long y = 0; y < s.height; y++)
            memcpy(dx + y * s.width * c, scratch + ((y + s.padTop) * pw + s.padLeft) * c, (size_t)(s.width * c) * sizeof(float));
    }
}
