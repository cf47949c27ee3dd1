#include "CSwiftCNNSupport.h"
#include <stdlib.h>
#include <string.h>

// PNG's five row filters undone for 8-bit RGB in C: the Paeth predictor is serial along a
// row (each byte needs its left neighbour's result), so what matters is a branch-free
// predictor the compiler keeps in registers, which Swift's overflow-checked Int arithmetic
// and `abs` did not give (a fifth of a CIFAR folder pass went there).

static inline unsigned char paeth(int a, int b, int c) {
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    int smallest = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
    return (unsigned char)smallest;
}

int swiftcnn_png_unfilter_rgb8(const unsigned char *src, unsigned char *dst, long height, long stride) {
    enum { bpp = 3 };
    for (long y = 0; y < height; y++) {
        const unsigned char *line = src + y * (stride + 1) + 1;
        unsigned char filter = line[-1];
        unsigned char *row = dst + y * stride;
        const unsigned char *up = y > 0 ? dst + (y - 1) * stride : NULL;
        switch (filter) {
        case 0:
            memcpy(row, line, (size_t)stride);
            break;
        case 1:
            for (long i = 0; i < bpp; i++) row[i] = line[i];
            for (long i = bpp; i < stride; i++) row[i] = (unsigned char)(line[i] + row[i - bpp]);
            break;
        case 2:
            if (up) for (long i = 0; i < stride; i++) row[i] = (unsigned char)(line[i] + up[i]);
            else memcpy(row, line, (size_t)stride);
            break;
        case 3:
            if (up) {
                for (long i = 0; i < bpp; i++) row[i] = (unsigned char)(line[i] + (up[i] >> 1));
                for (long i = bpp; i < stride; i++) row[i] = (unsigned char)(line[i] + ((row[i - bpp] + up[i]) >> 1));
            } else {
                for (long i = 0; i < bpp; i++) row[i] = line[i];
                for (long i = bpp; i < stride; i++) row[i] = (unsigned char)(line[i] + (row[i - bpp] >> 1));
            }
            break;
        case 4:
            if (up) {
                // With no left neighbour the predictor is the byte above.
                for (long i = 0; i < bpp; i++) row[i] = (unsigned char)(line[i] + up[i]);
                for (long i = bpp; i < stride; i++) row[i] = (unsigned char)(line[i] + paeth(row[i - bpp], up[i], up[i - bpp]));
            } else {
                // Above is all zeros: the predictor is the left byte (Sub).
                for (long i = 0; i < bpp; i++) row[i] = line[i];
                for (long i = bpp; i < stride; i++) row[i] = (unsigned char)(line[i] + row[i - bpp]);
            }
            break;
        default:
            return 0;
        }
    }
    return 1;
}
