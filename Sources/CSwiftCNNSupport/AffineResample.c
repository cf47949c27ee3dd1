#include "CSwiftCNNSupport.h"
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

void swiftcnn_affine_ndimage(const float *restrict image, float *restrict out, long h, long w, long c,
                             const double matrix[4], const double offset[2], int order, int fill, float cval) {
    for (long r = 0; r < h; r++) {
        for (long col = 0; col < w; col++) {
            float *pixel = out + (r * w + col) * c;
            const double rr = matrix[0] * (double)r + matrix[1] * (double)col + offset[0];
            const double cc = matrix[2] * (double)r + matrix[3] * (double)col + offset[1];
            long ri[2], ci[2];
            double rw[2], cw[2];
            if (order == 1 && rr >= 0 && rr < h - 1 && cc >= 0 && cc < w - 1) {
                // Inside the image, where every mode reads the same neighbours.
                const long r0 = (long)rr, c0 = (long)cc;
                const double tr = rr - (double)r0, tc = cc - (double)c0;
                ri[0] = r0, ri[1] = r0 + 1, ci[0] = c0, ci[1] = c0 + 1;
                rw[0] = 1 - tr, rw[1] = tr, cw[0] = 1 - tc, cw[1] = tc;
            } else if (!nd_axis(rr, h, order, fill, ri, rw) || !nd_axis(cc, w, order, fill, ci, cw)) {
                for (long k = 0; k < c; k++) pixel[k] = cval;
                continue;
            }
            const float *p00 = image + (ri[0] * w + ci[0]) * c, *p01 = image + (ri[0] * w + ci[1]) * c;
            const float *p10 = image + (ri[1] * w + ci[0]) * c, *p11 = image + (ri[1] * w + ci[1]) * c;
            for (long k = 0; k < c; k++) {
                // scipy sums row-major over the neighbours, in double.
                double v = rw[0] * (cw[0] * (double)p00[k] + cw[1] * (double)p01[k]);
                v += rw[1] * (cw[0] * (double)p10[k] + cw[1] * (double)p11[k]);
                pixel[k] = (float)v;
            }
        }
    }
}
