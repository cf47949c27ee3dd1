#include "CSwiftCNNSupport.h"
#include "kernel_attributes.h"
#include <stdint.h>
#include <math.h>

// sqrt without errno, so the Adam loop vectorises without -fno-math-errno.
#if defined(__clang__) && __has_builtin(__builtin_elementwise_sqrt)
#define SQRTF(x) __builtin_elementwise_sqrt(x)
#else
#define SQRTF(x) sqrtf(x)
#endif

CLONES void swiftcnn_relu_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0;
}

CLONES void swiftcnn_relu_backward(const float *restrict dy, const float *restrict y, float *restrict dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

// e^x for |x| ≤ 88 by range reduction to 2^n · e^r and Cephes' degree-6 polynomial; written
// without calls or branches so the loops that use it vectorise.
static inline float exp_approx(float x) {
    x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
    float n = __builtin_floorf(x * 1.44269504088896341f + 0.5f);
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float z = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * z + r + 1.0f;
    union { int i; float f; } scale = { .i = ((int)n + 127) << 23 };
    return p * scale.f;
}

CLONES void swiftcnn_sigmoid_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) y[i] = 1.0f / (1.0f + exp_approx(-x[i]));
}

CLONES void swiftcnn_tanh_forward(const float *restrict x, float *restrict y, long n) {
    for (long i = 0; i < n; i++) {
        float e = exp_approx(-2.0f * (x[i] < 0 ? -x[i] : x[i]));
        float t = (1.0f - e) / (1.0f + e);
        y[i] = x[i] < 0 ? -t : t;
    }
}

CLONES void swiftcnn_sigmoid_backward(const float *restrict dy, const float *restrict y, float *restrict dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = dy[i] * y[i] * (1 - y[i]);
}

CLONES void swiftcnn_tanh_backward(const float *restrict dy, const float *restrict y, float *restrict dx, long n) {
    for (long i = 0; i < n; i++) dx[i] = dy[i] * (1 - y[i] * y[i]);
}

CLONES void swiftcnn_add(const float *a, const float *b, float *c, long n) {
    for (long i = 0; i < n; i++) c[i] = a[i] + b[i];
}

// y += x. Not swiftcnn_add(y, x, y): with its operands possibly overlapping, that loop
// checks at run time and, finding c == a, takes its scalar copy.
CLONES void swiftcnn_add_in_place(float *restrict y, const float *restrict x, long n) {
    for (long i = 0; i < n; i++) y[i] += x[i];
}

CLONES void swiftcnn_add_relu_in_place(float *restrict y, const float *restrict residual, long n) {
    for (long i = 0; i < n; i++) {
        float sum = y[i] + residual[i];
        y[i] = sum > 0 ? sum : 0;
    }
}

CLONES void swiftcnn_multiply(const float *a, const float *b, float *c, long n) {
    for (long i = 0; i < n; i++) c[i] = a[i] * b[i];
}

CLONES void swiftcnn_add_rows(float *restrict rows, const float *restrict row, long count, long width) {
    for (long r = 0; r < count; r++) {
        float *restrict out = rows + r * width;
        for (long j = 0; j < width; j++) out[j] += row[j];
    }
}

CLONES void swiftcnn_adam_update(float *restrict w, float *restrict m, float *restrict v, const float *restrict g, long n,
                                 float one_minus_beta1, float one_minus_beta2, float step, float epsilon) {
    for (long i = 0; i < n; i++) {
        float gi = g[i];
        float mi = m[i] + (gi - m[i]) * one_minus_beta1;
        float vi = v[i] + (gi * gi - v[i]) * one_minus_beta2;
        m[i] = mi;
        v[i] = vi;
        w[i] -= step * mi / (SQRTF(vi) + epsilon);
    }
}

CLONES void swiftcnn_rmsprop_update(float *restrict w, float *restrict velocity, float *restrict momentum,
                                    float *restrict average, const float *restrict g, long n, float rho,
                                    float one_minus_rho, float rate, float epsilon, float momentum_coefficient) {
    for (long i = 0; i < n; i++) {
        float gi = g[i];
        float vi = rho * velocity[i] + one_minus_rho * (gi * gi);
        velocity[i] = vi;
        float denominator;
        if (average) {
            float ai = rho * average[i] + one_minus_rho * gi;
            average[i] = ai;
            denominator = vi - ai * ai + epsilon;
        } else {
            denominator = vi + epsilon;
        }
        float increment = rate * gi / SQRTF(denominator);
        if (momentum) {
            float mi = momentum_coefficient * momentum[i] + increment;
            momentum[i] = mi;
            w[i] -= mi;
        } else {
            w[i] -= increment;
        }
    }
}

CLONES void swiftcnn_decay_weights(float *restrict w, long n, float weight_decay, float rate) {
    for (long i = 0; i < n; i++) w[i] -= w[i] * weight_decay * rate;
}

// xoshiro256** exactly as RandomGenerator.next(), so masks and the generator's state are
// the same as drawing in Swift; only the loop runs without Swift's per-call overhead.
static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void swiftcnn_dropout_mask(uint64_t state[4], float *mask, long n, float keep, float scale) {
    uint64_t s0 = state[0], s1 = state[1], s2 = state[2], s3 = state[3];
    for (long i = 0; i < n; i++) {
        uint64_t result = rotl(s1 * 5, 7) * 9;
        uint64_t t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 45);
        float uniform = (float)(result >> 40) * (1.0f / 16777216.0f);
        mask[i] = uniform < keep ? scale : 0;
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = s2;
    state[3] = s3;
}
