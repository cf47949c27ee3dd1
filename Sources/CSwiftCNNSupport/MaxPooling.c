// Max pooling over NHWC input, per output pixel along contiguous channels. Windows are
// clipped to the input (TensorFlow's padded positions never win) and a later position
// wins only when strictly greater, so ties go to the first in scan order, as in
// TensorFlow. Training also writes the argmax (flat index into the whole input) the
// backward scatter uses; inference takes the window rows' maximum first, one flat vector
// loop over a whole input row, then the window columns' (the same values; only the
// choice among tied positions would differ, and inference does not make one).
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <string.h>

static long clip_start(long o, long stride, long pad) {
    long start = o * stride - pad;
    return start < 0 ? 0 : start;
}

static long clip_end(long o, long stride, long pad, long window, long size) {
    long end = o * stride - pad + window;
    return end > size ? size : end;
}

CLONES void swiftcnn_maxpool_forward(const float *restrict input, float *restrict output, int32_t *restrict argmax,
                                     long firstImage, long images, swiftcnn_conv_shape s) {
    long c = s.channels;
    // Reads up to here stay inside the images this call was given.
    long limit = (firstImage + images) * s.height * s.width * c;
    for (long n = firstImage; n < firstImage + images; n++) {
        for (long oy = 0; oy < s.outputHeight; oy++) {
            long y0 = clip_start(oy, s.strideHeight, s.padTop);
            long y1 = clip_end(oy, s.strideHeight, s.padTop, s.kernelHeight, s.height);
            for (long ox = 0; ox < s.outputWidth; ox++) {
                long x0 = clip_start(ox, s.strideWidth, s.padLeft);
                long x1 = clip_end(ox, s.strideWidth, s.padLeft, s.kernelWidth, s.width);
                long o = ((n * s.outputHeight + oy) * s.outputWidth + ox) * c;
                float *best = output + o;
                long first = ((n * s.height + y0) * s.width + x0) * c;
                int32_t *at = argmax + o;
                long last = ((n * s.height + y1 - 1) * s.width + x1 - 1) * c;
                if (c < 16 && last + 16 <= limit) {
                    // Few channels: 16 lanes at once, the extra ones reading the next pixels
                    // and thrown away, instead of a scalar loop of `c` iterations.
                    float b[16];
                    int32_t a[16];
                    for (int k = 0; k < 16; k++) {
                        b[k] = input[first + k];
                        a[k] = (int32_t)(first + k);
                    }
                    for (long y = y0; y < y1; y++) {
                        for (long x = x0; x < x1; x++) {
                            long i = ((n * s.height + y) * s.width + x) * c;
                            const float *v = input + i;
                            for (int k = 0; k < 16; k++) {
                                int better = v[k] > b[k];
                                b[k] = better ? v[k] : b[k];
                                a[k] = better ? (int32_t)(i + k) : a[k];
                            }
                        }
                    }
                    for (long k = 0; k < c; k++) {
                        best[k] = b[k];
                        at[k] = a[k];
                    }
                    continue;
                }
                if (c % 16 == 0) {
                    // Sixteen channels at a time, the running maxima and their indices held
                    // in registers over the whole window (a loop over all `c` channels per
                    // window position went through memory: a tenth of an Inception10
                    // training step).
                    for (long k0 = 0; k0 < c; k0 += 16) {
                        float b[16];
                        int32_t a[16];
                        for (int k = 0; k < 16; k++) {
                            b[k] = input[first + k0 + k];
                            a[k] = (int32_t)(first + k0 + k);
                        }
                        for (long y = y0; y < y1; y++) {
                            for (long x = x0; x < x1; x++) {
                                long i = ((n * s.height + y) * s.width + x) * c + k0;
                                const float *v = input + i;
                                for (int k = 0; k < 16; k++) {
                                    int better = v[k] > b[k];
                                    b[k] = better ? v[k] : b[k];
                                    a[k] = better ? (int32_t)(i + k) : a[k];
                                }
                            }
                        }
                        for (int k = 0; k < 16; k++) {
                            best[k0 + k] = b[k];
                            at[k0 + k] = a[k];
                        }
                    }
                    continue;
                }
                for (long k = 0; k < c; k++) {
                    best[k] = input[first + k];
                    at[k] = (int32_t)(first + k);
                }
                for (long y = y0; y < y1; y++) {
                    for (long x = x0; x < x1; x++) {
                        long i = ((n * s.height + y) * s.width + x) * c;
                        const float *v = input + i;
                        for (long k = 0; k < c; k++) {
                            int better = v[k] > best[k];
                            best[k] = better ? v[k] : best[k];
                            at[k] = better ? (int32_t)(i + k) : at[k];
                        }
                    }
                }
            }
        }
    }
}

CLONES void swiftcnn_maxpool_forward_values(const float *restrict input, float *restrict output, long firstImage,
                                            long images, swiftcnn_conv_shape s, float *restrict columns) {
    long c = s.channels, rowWidth = s.width * c;
    for (long n = firstImage; n < firstImage + images; n++) {
        for (long oy = 0; oy < s.outputHeight; oy++) {
            long y0 = clip_start(oy, s.strideHeight, s.padTop);
            long y1 = clip_end(oy, s.strideHeight, s.padTop, s.kernelHeight, s.height);
            // The window rows' maximum for every column and channel: one flat vector loop.
            const float *row = input + (n * s.height + y0) * rowWidth;
            memcpy(columns, row, (size_t)rowWidth * sizeof(float));
            for (long y = y0 + 1; y < y1; y++) {
                row = input + (n * s.height + y) * rowWidth;
                for (long j = 0; j < rowWidth; j++) columns[j] = row[j] > columns[j] ? row[j] : columns[j];
            }
            float *out = output + (n * s.outputHeight + oy) * s.outputWidth * c;
            for (long ox = 0; ox < s.outputWidth; ox++) {
                long x0 = clip_start(ox, s.strideWidth, s.padLeft);
                long x1 = clip_end(ox, s.strideWidth, s.padLeft, s.kernelWidth, s.width);
                float *best = out + ox * c;
                const float *first = columns + x0 * c;
                for (long k = 0; k < c; k++) best[k] = first[k];
                for (long x = x0 + 1; x < x1; x++) {
                    const float *v = columns + x * c;
                    for (long k = 0; k < c; k++) best[k] = v[k] > best[k] ? v[k] : best[k];
                }
            }
        }
    }
}

CLONES void swiftcnn_copy_columns(const float *restrict source, long sourceWidth, float *restrict target, long targetWidth,
                           long rows, long width) {
    if (width == sourceWidth && width == targetWidth) {
        memcpy(target, source, (size_t)(rows * width) * sizeof(float));
        return;
    }
    for (long r = 0; r < rows; r++) {
        const float *from = source + r * sourceWidth;
        float *to = target + r * targetWidth;
        // Sixteen floats at a time by fixed-size copies, which the compiler inlines: a
        // plain loop would become a call to memcpy for every short row.
        long k = 0;
        for (; k + 16 <= width; k += 16) __builtin_memcpy(to + k, from + k, 16 * sizeof(float));
        for (; k < width; k++) __builtin_memcpy(to + k, from + k, sizeof(float));
    }
}
