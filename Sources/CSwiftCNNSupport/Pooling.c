#include "CSwiftCNNSupport.h"

#if defined(__x86_64__) && defined(__linux__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

CLONES void swiftcnn_max_pool_forward(const float *restrict input, float *restrict output, int *restrict argmax,
                                      long images, long height, long width, long channels, long windowHeight,
                                      long windowWidth, long strideHeight, long strideWidth, long padTop,
                                      long padLeft, long outputHeight, long outputWidth, long indexBase) {
    long o = 0;
    for (long n = 0; n < images; n++) {
        long imageBase = n * height * width * channels;
        for (long oy = 0; oy < outputHeight; oy++) {
            long y0 = oy * strideHeight - padTop, y1 = y0 + windowHeight;
            if (y0 < 0) y0 = 0;
            if (y1 > height) y1 = height;
            for (long ox = 0; ox < outputWidth; ox++) {
                long x0 = ox * strideWidth - padLeft, x1 = x0 + windowWidth;
                if (x0 < 0) x0 = 0;
                if (x1 > width) x1 = width;
                float *restrict best = output + o;
                int *restrict where = argmax + o;
                long first = imageBase + (y0 * width + x0) * channels;
                for (long c = 0; c < channels; c++) {
                    best[c] = input[first + c];
                    where[c] = (int)(indexBase + first + c);
                }
                for (long y = y0; y < y1; y++) {
                    for (long x = x0; x < x1; x++) {
                        long at = imageBase + (y * width + x) * channels;
                        const float *restrict value = input + at;
                        for (long c = 0; c < channels; c++) {
                            int better = value[c] > best[c];
                            best[c] = better ? value[c] : best[c];
                            where[c] = better ? (int)(indexBase + at + c) : where[c];
                        }
                    }
                }
                o += channels;
            }
        }
    }
}
