#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <math.h>

// Two resamplers for NHWC images, one per family of Keras augmentation, each a line-by-line
// port of the code Keras runs, because the two disagree at the borders:
// - Keras 3's preprocessing layers call TensorFlow's ImageProjectiveTransformV3
//   (tensorflow/core/kernels/image/image_ops.h), in float;
// - ImageDataGenerator calls scipy.ndimage.affine_transform (ni_interpolation.c), in double.

// ---- TensorFlow's ImageProjectiveTransformV3 -------------------------------------------

// MapCoordinate<float, mode>: brings an input coordinate back inside [0, len − 1].
static float tf_map_coordinate(float x, long len, int fill) {
    switch (fill) {
    case SWIFTCNN_FILL_REFLECT:  // [abcd] → [dcba|abcd|dcba]
        if (x < 0) {
            if (len <= 1) {
                x = 0;
            } else {
                long sz2 = 2 * len;
                if (x < sz2) x = (float)(sz2 * (long)(-x / sz2)) + x;
                x = (x < -len) ? x + sz2 : -x - 1;
            }
        } else if (x > len - 1) {
            if (len <= 1) {
                x = 0;
            } else {
                long sz2 = 2 * len;
                x -= (float)(sz2 * (long)(x / sz2));
                if (x >= len) x = sz2 - x - 1;
            }
        }
        break;
    case SWIFTCNN_FILL_WRAP:  // [abcd] → [abcd|abcd|abcd]
        if (x < 0) {
            if (len <= 1) {
                x = 0;
            } else {
                long sz = len - 1;
                x += (float)(len * ((long)(-x / sz) + 1));
            }
        } else if (x > len - 1) {
            if (len <= 1) {
                x = 0;
            } else {
                long sz = len - 1;
                x -= (float)(len * (long)(x / sz));
            }
        }
        break;
    case SWIFTCNN_FILL_CONSTANT:
        return x;  // read_with_fill_value supplies the fill outside
    default:
        break;
    }
    // TF clamps every mode but constant (NEAREST is only this clamp).
    return x < 0 ? 0 : (x > len - 1 ? (float)(len - 1) : x);
}

static inline float tf_read(const float *image, long h, long w, long c, long y, long x, long channel, float fill_value) {
    return (0 <= y && y < h && 0 <= x && x < w) ? image[(y * w + x) * c + channel] : fill_value;
}

void swiftcnn_affine_tf(const float *restrict image, float *restrict out, long h, long w, long c,
                        const float transform[8], int bilinear, int fill, float fill_value) {
    const float *t = transform;
    for (long oy = 0; oy < h; oy++) {
        for (long ox = 0; ox < w; ox++) {
            float *pixel = out + (oy * w + ox) * c;
            const float projection = t[6] * (float)ox + t[7] * (float)oy + 1.f;
            float x = 0, y = 0;
            int valid = projection != 0;
            if (valid) {
                x = tf_map_coordinate((t[0] * (float)ox + t[1] * (float)oy + t[2]) / projection, w, fill);
                y = tf_map_coordinate((t[3] * (float)ox + t[4] * (float)oy + t[5]) / projection, h, fill);
                // Far outside in constant mode, or a NaN transform: no pixel to read.
                valid = fabsf(x) < 1e9f && fabsf(y) < 1e9f;
            }
            if (!valid) {
                for (long k = 0; k < c; k++) pixel[k] = fill_value;
            } else if (!bilinear) {
                const long ry = (long)roundf(y), rx = (long)roundf(x);
                for (long k = 0; k < c; k++) pixel[k] = tf_read(image, h, w, c, ry, rx, k, fill_value);
            } else {
                const float y_floor = floorf(y), x_floor = floorf(x);
                const float y_ceil = y_floor + 1, x_ceil = x_floor + 1;
                const long y0 = (long)y_floor, x0 = (long)x_floor, y1 = (long)y_ceil, x1 = (long)x_ceil;
                for (long k = 0; k < c; k++) {
                    const float top = (x_ceil - x) * tf_read(image, h, w, c, y0, x0, k, fill_value) +
                                      (x - x_floor) * tf_read(image, h, w, c, y0, x1, k, fill_value);
                    const float bottom = (x_ceil - x) * tf_read(image, h, w, c, y1, x0, k, fill_value) +
                                         (x - x_floor) * tf_read(image, h, w, c, y1, x1, k, fill_value);
                    pixel[k] = (y_ceil - y) * top + (y - y_floor) * bottom;
                }
            }
        }
    }
}

// The adjoint of swiftcnn_affine_tf with respect to the image (the sampling is linear in
// it): each output gradient goes back to the pixels it was read from, with the same weights.
// Reads of the fill value carry no gradient. `grad_image` must be zeroed by the caller.
static inline void tf_scatter(float *g, long h, long w, long c, long y, long x, const float *value, float weight) {
    if (0 <= y && y < h && 0 <= x && x < w && weight != 0) {
        float *p = g + (y * w + x) * c;
        for (long k = 0; k < c; k++) p[k] += weight * value[k];
    }
}

void swiftcnn_affine_tf_adjoint(const float *restrict grad_out, float *restrict grad_image, long h, long w, long c,
                                const float transform[8], int bilinear, int fill) {
    const float *t = transform;
    for (long oy = 0; oy < h; oy++) {
        for (long ox = 0; ox < w; ox++) {
            const float *g = grad_out + (oy * w + ox) * c;
            const float projection = t[6] * (float)ox + t[7] * (float)oy + 1.f;
            if (projection == 0) continue;
            const float x = tf_map_coordinate((t[0] * (float)ox + t[1] * (float)oy + t[2]) / projection, w, fill);
            const float y = tf_map_coordinate((t[3] * (float)ox + t[4] * (float)oy + t[5]) / projection, h, fill);
            if (!(fabsf(x) < 1e9f && fabsf(y) < 1e9f)) continue;
            if (!bilinear) {
                tf_scatter(grad_image, h, w, c, (long)roundf(y), (long)roundf(x), g, 1);
                continue;
            }
            const float y_floor = floorf(y), x_floor = floorf(x);
            const float y_ceil = y_floor + 1, x_ceil = x_floor + 1;
            const long y0 = (long)y_floor, x0 = (long)x_floor, y1 = (long)y_ceil, x1 = (long)x_ceil;
            tf_scatter(grad_image, h, w, c, y0, x0, g, (y_ceil - y) * (x_ceil - x));
            tf_scatter(grad_image, h, w, c, y0, x1, g, (y_ceil - y) * (x - x_floor));
            tf_scatter(grad_image, h, w, c, y1, x0, g, (y - y_floor) * (x_ceil - x));
            tf_scatter(grad_image, h, w, c, y1, x1, g, (y - y_floor) * (x - x_floor));
        }
    }
}

// ---- scipy.ndimage.affine_transform, spline order 0 or 1 --------------------------------

// Neighbour indices past the border: scipy maps them as 'mirror' (d c b | a b c d | c b a)
// in every mode but 'reflect', whose extension is half-sample symmetric (d c b a | a b c d).
static long nd_mirror_index(long i, long len) {
    if (len <= 1) return 0;
    const long s2 = 2 * len - 2;
    if (i < 0) {
        i = s2 * (-i / s2) + i;
        return i <= 1 - len ? i + s2 : -i;
    }
    if (i >= len) {
        i -= s2 * (i / s2);
        return i >= len ? s2 - i : i;
    }
    return i;
}

static long nd_reflect_index(long i, long len) {
    const long period = 2 * len;
    i = ((i % period) + period) % period;
    return i >= len ? period - 1 - i : i;
}

// One axis of a sample: the neighbours and their weights, or 0 when the sample is cval.
static int nd_axis(double x, long len, int order, int fill, long index[2], double weight[2]) {
    if (!(fabs(x) < 1e9)) return 0;
    if (fill == SWIFTCNN_FILL_NEAREST) {
        x = x < 0 ? 0 : (x > len - 1 ? (double)(len - 1) : x);
    } else if (fill == SWIFTCNN_FILL_CONSTANT) {
        if (x < 0 || x > len - 1) return 0;
    } else if (fill == SWIFTCNN_FILL_WRAP && len > 1) {
        const long sz = len - 1;
        if (x < 0) x += (double)(sz * ((long)(-x / sz) + 1));
        else if (x > len - 1) x -= (double)(sz * (long)(x / sz));
    } else if (fill == SWIFTCNN_FILL_WRAP) {
        x = 0;
    }
    const int reflect = fill == SWIFTCNN_FILL_REFLECT;
    if (order == 0) {
        const long start = (long)floor(x + 0.5);
        index[0] = reflect ? nd_reflect_index(start, len) : nd_mirror_index(start, len);
        weight[0] = 1;
        index[1] = index[0];
        weight[1] = 0;
    } else {
        const long start = (long)floor(x);
        const double t = x - (double)start;
        index[0] = reflect ? nd_reflect_index(start, len) : nd_mirror_index(start, len);
        index[1] = reflect ? nd_reflect_index(start + 1, len) : nd_mirror_index(start + 1, len);
        weight[0] = 1 - t;
        weight[1] = t;
    }
    return 1;
}

// 'nearest' fill with spline order 1 (ImageDataGenerator's default), in two passes per
// chunk of a row so the first vectorises: coordinates clamped into the image (scipy mirrors
// an upper neighbour past the edge, but its weight is then 0), then the blend.
static inline __attribute__((always_inline)) void nd_nearest_bilinear(const float *restrict image, float *restrict out, long h, long w, long c,
                                const double matrix[4], const double offset[2], int flip_rows, int flip_cols) {
    enum { CHUNK = 64 };
    long base[CHUNK], row_step[CHUNK], col_step[CHUNK];
    float row_weight[CHUNK], col_weight[CHUNK];
    for (long r = 0; r < h; r++) {
        float *row = out + (flip_rows ? h - 1 - r : r) * w * c;
        for (long first = 0; first < w; first += CHUNK) {
            const long n = w - first < CHUNK ? w - first : CHUNK;
            for (long j = 0; j < n; j++) {
                const double col = (double)(first + j);
                double rr = matrix[0] * (double)r + matrix[1] * col + offset[0];
                double cc = matrix[2] * (double)r + matrix[3] * col + offset[1];
                rr = rr > 0 ? (rr < (double)(h - 1) ? rr : (double)(h - 1)) : 0;  // NaN → 0
                cc = cc > 0 ? (cc < (double)(w - 1) ? cc : (double)(w - 1)) : 0;
                const long r0 = (long)rr, c0 = (long)cc;
                base[j] = (r0 * w + c0) * c;
                row_step[j] = r0 + 1 < h ? w * c : 0;
                col_step[j] = c0 + 1 < w ? c : 0;
                row_weight[j] = (float)(rr - (double)r0);
                col_weight[j] = (float)(cc - (double)c0);
            }
            for (long j = 0; j < n; j++) {
                const long col = first + j;
                float *pixel = row + (flip_cols ? w - 1 - col : col) * c;
                const float *p00 = image + base[j], *p01 = p00 + col_step[j];
                const float *p10 = p00 + row_step[j], *p11 = p10 + col_step[j];
                const float wr = row_weight[j], wc = col_weight[j];
                if (c == 3) {  // RGB, unrolled
                    for (long k = 0; k < 3; k++) {
                        const float top = p00[k] + wc * (p01[k] - p00[k]);
                        const float bottom = p10[k] + wc * (p11[k] - p10[k]);
                        pixel[k] = top + wr * (bottom - top);
                    }
                    continue;
                }
                for (long k = 0; k < c; k++) {
                    const float top = p00[k] + wc * (p01[k] - p00[k]);
                    const float bottom = p10[k] + wc * (p11[k] - p10[k]);
                    pixel[k] = top + wr * (bottom - top);
                }
            }
        }
    }
}

CLONES void swiftcnn_affine_ndimage(const float *restrict image, float *restrict out, long h, long w, long c,
                                    const double matrix[4], const double offset[2], int order, int fill, float cval,
                                    int flip_rows, int flip_cols) {
    if (order == 1 && fill == SWIFTCNN_FILL_NEAREST) {
        nd_nearest_bilinear(image, out, h, w, c, matrix, offset, flip_rows, flip_cols);
        return;
    }
    for (long r = 0; r < h; r++) {
        float *row = out + (flip_rows ? h - 1 - r : r) * w * c;
        for (long col = 0; col < w; col++) {
            float *pixel = row + (flip_cols ? w - 1 - col : col) * c;
            const double rr = matrix[0] * (double)r + matrix[1] * (double)col + offset[0];
            const double cc = matrix[2] * (double)r + matrix[3] * (double)col + offset[1];
            // The two neighbours along each axis and the far one's weight, in scalars (arrays
            // would go through the stack on this hot path).
            long r0, r1, c0, c1;
            double tr, tc;
            if (order == 1 && rr >= 0 && rr < h - 1 && cc >= 0 && cc < w - 1) {
                // Inside the image, where every mode reads the same neighbours.
                r0 = (long)rr, c0 = (long)cc, r1 = r0 + 1, c1 = c0 + 1;
                tr = rr - (double)r0, tc = cc - (double)c0;
            } else {
                long ri[2], ci[2];
                double rw[2], cw[2];
                if (!nd_axis(rr, h, order, fill, ri, rw) || !nd_axis(cc, w, order, fill, ci, cw)) {
                    for (long k = 0; k < c; k++) pixel[k] = cval;
                    continue;
                }
                r0 = ri[0], r1 = ri[1], c0 = ci[0], c1 = ci[1], tr = rw[1], tc = cw[1];
            }
            const float *p00 = image + (r0 * w + c0) * c, *p01 = image + (r0 * w + c1) * c;
            const float *p10 = image + (r1 * w + c0) * c, *p11 = image + (r1 * w + c1) * c;
            // Blended in float: within 1e-6 of scipy's double sum for pixel values of order 1.
            const float wr = (float)tr, wc = (float)tc;
            for (long k = 0; k < c; k++) {
                const float top = p00[k] + wc * (p01[k] - p00[k]);
                const float bottom = p10[k] + wc * (p11[k] - p10[k]);
                pixel[k] = top + wr * (bottom - top);
            }
        }
    }
}
