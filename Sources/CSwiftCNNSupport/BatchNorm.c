// Batch-normalisation loops over NHWC data seen as a flat run of `count` floats, cut into
// blocks of `period` floats: a multiple of the channel count, so element k of every block
// belongs to channel k mod channels, and of the vector width when the caller can make it
// so (48 for 6 channels). Per-channel parameters come expanded to one period, and sums
// go to one accumulator per element of a period, which the caller folds into channels.
// That keeps every loop a straight vector loop even for the course's 6-channel layers,
// where a loop over the channels of one pixel would run 6 scalar iterations.
#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"

CLONES void swiftcnn_bn_sums(const float *restrict x, long count, long period, const float *restrict center,
                             float *restrict sums) {
    for (long i = 0; i < count; i += period) {
        long n = count - i < period ? count - i : period;
        const float *block = x + i;
        if (center) {
            for (long k = 0; k < n; k++) {
                float d = block[k] - center[k];
                sums[k] += d * d;
            }
        } else {
            for (long k = 0; k < n; k++) sums[k] += block[k];
        }
    }
}

CLONES void swiftcnn_bn_affine(const float *restrict x, float *restrict y, long count, long period,
                               const float *restrict scale, const float *restrict shift) {
    for (long i = 0; i < count; i += period) {
        long n = count - i < period ? count - i : period;
        for (long k = 0; k < n; k++) y[i + k] = x[i + k] * scale[k] + shift[k];
    }
}

CLONES void swiftcnn_bn_affine_inplace(float *restrict y, long count, long period, const float *restrict scale,
                                       const float *restrict shift, int relu) {
    if (relu) {
        for (long i = 0; i < count; i += period) {
            long n = count - i < period ? count - i : period;
            for (long k = 0; k < n; k++) {
                float v = y[i + k] * scale[k] + shift[k];
                y[i + k] = v > 0 ? v : 0;
            }
        }
    } else {
        for (long i = 0; i < count; i += period) {
            long n = count - i < period ? count - i : period;
            for (long k = 0; k < n; k++) y[i + k] = y[i + k] * scale[k] + shift[k];
        }
    }
}

CLONES void swiftcnn_bn_gradient_sums(const float *restrict x, const float *restrict dy, long count, long period,
                                      const float *restrict mean, const float *restrict invStd,
                                      float *restrict sumDy, float *restrict sumDyXhat) {
    for (long i = 0; i < count; i += period) {
        long n = count - i < period ? count - i : period;
        for (long k = 0; k < n; k++) {
            float g = dy[i + k];
            sumDy[k] += g;
            sumDyXhat[k] += g * (x[i + k] - mean[k]) * invStd[k];
        }
    }
}

CLONES void swiftcnn_bn_input_gradient(const float *restrict x, const float *restrict dy, float *restrict dx,
                                       long count, long period, const float *restrict mean,
                                       const float *restrict invStd, const float *restrict coefficient,
                                       const float *restrict sumDy, const float *restrict sumDyXhat, float n) {
    for (long i = 0; i < count; i += period) {
        long m = count - i < period ? count - i : period;
        for (long k = 0; k < m; k++) {
            float xhat = (x[i + k] - mean[k]) * invStd[k];
            dx[i + k] = coefficient[k] * (n * dy[i + k] - sumDy[k] - xhat * sumDyXhat[k]);
        }
    }
}

CLONES void swiftcnn_column_sums(const float *restrict x, long rows, long width, float *restrict sums) {
    // Blocks of a period (a multiple of the width and of 16 lanes when that is short) keep
    // the loop a vector loop for narrow rows; the period's accumulators are folded at the end.
    long common = width;
    while (common % 16) common += width;
    long period = common <= 256 ? common : width;
    float acc[256];
    float *target = period <= 256 ? acc : sums;
    if (target == acc) {
        for (long k = 0; k < period; k++) acc[k] = 0;
    }
    long count = rows * width;
    for (long i = 0; i < count; i += period) {
        long n = count - i < period ? count - i : period;
        for (long k = 0; k < n; k++) target[k] += x[i + k];
    }
    if (target == acc) {
        for (long k = 0; k < period; k++) sums[k % width] += acc[k];
    }
}
