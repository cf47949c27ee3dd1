#include "CSwiftCNNSupport.h"
#include <stdlib.h>
#include <string.h>

// PNG's five row filters undone for 8-bit RGB in C: the Paeth predictor is serial along a
// row (each byte needs its left neighbour's result), so what matters is a branch-free
// predictor, which Swift's overflow-checked Int arithmetic and branches did not give (a
// fifth of a CIFAR folder pass went there).

static inline unsigned char paeth(int a, int b, int c) {
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    // Selected through masks, not branches: on a photo's noise the comparisons go either
    // way at random, and mispredicted branches cost more than the whole predictor.
    int pick_b = -(pb <= pc);                    // b if pb <= pc, else c
    int t = c ^ ((b ^ c) & pick_b);
    int pick_a = -((pa <= pb) & (pa <= pc));     // a if it is the smallest
    return (unsigned char)(t ^ ((a ^ t) & pick_a));
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
                // The left and upper-left bytes ride in registers: reading back the byte
                // just stored waits on store forwarding, on the serial path.
                int a0 = row[0], a1 = row[1], a2 = row[2], c0 = up[0], c1 = up[1], c2 = up[2];
                for (long i = bpp; i + 2 < stride; i += bpp) {
                    int b0 = up[i], b1 = up[i + 1], b2 = up[i + 2];
                    a0 = (unsigned char)(line[i] + paeth(a0, b0, c0));
                    a1 = (unsigned char)(line[i + 1] + paeth(a1, b1, c1));
                    a2 = (unsigned char)(line[i + 2] + paeth(a2, b2, c2));
                    row[i] = (unsigned char)a0, row[i + 1] = (unsigned char)a1, row[i + 2] = (unsigned char)a2;
                    c0 = b0, c1 = b1, c2 = b2;
                }
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
