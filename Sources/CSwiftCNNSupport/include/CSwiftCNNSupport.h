#ifndef CSWIFTCNN_SUPPORT_H
#define CSWIFTCNN_SUPPORT_H

/// Sets flush-to-zero and denormals-are-zero in this thread's MXCSR (x86-64; a no-op
/// elsewhere). Sigmoid networks such as LeNet5 produce denormal gradients that slow
/// arithmetic by an order of magnitude; TensorFlow flushes them too.
void swiftcnn_enable_flush_to_zero(void);


// Elementwise kernels over contiguous float buffers. Each is compiled for AVX-512, AVX2
// and baseline x86-64 (target_clones), and the loader picks the best the CPU has, so the
// package needs no compiler flags. `n` is the element count.
void swiftcnn_relu_forward(const float *x, float *y, long n);
void swiftcnn_relu_backward(const float *dy, const float *y, float *dx, long n);
void swiftcnn_sigmoid_backward(const float *dy, const float *y, float *dx, long n);
void swiftcnn_tanh_backward(const float *dy, const float *y, float *dx, long n);
void swiftcnn_add(const float *a, const float *b, float *c, long n);
void swiftcnn_multiply(const float *a, const float *b, float *c, long n);
void swiftcnn_add_rows(float *rows, const float *row, long count, long width);
/// Keras's Adam step: m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= step · m / (√v + ε).
void swiftcnn_adam_update(float *w, float *m, float *v, const float *g, long n,
                          float one_minus_beta1, float one_minus_beta2, float step, float epsilon);

#endif
