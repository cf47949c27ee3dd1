#ifndef CSWIFTCNN_SUPPORT_H
#define CSWIFTCNN_SUPPORT_H

/// Sets flush-to-zero and denormals-are-zero in this thread's MXCSR (x86-64; a no-op
/// elsewhere). Sigmoid networks such as LeNet5 produce denormal gradients that slow
/// arithmetic by an order of magnitude; TensorFlow flushes them too.
void swiftcnn_enable_flush_to_zero(void);

#endif
