#ifndef CSWIFTCNN_SUPPORT_H
#define CSWIFTCNN_SUPPORT_H

#include <stdint.h>

/// Sets flush-to-zero and denormals-are-zero in this thread's MXCSR (x86-64; a no-op
/// elsewhere). Sigmoid networks such as LeNet5 produce denormal gradients that slow
/// arithmetic by an order of magnitude; TensorFlow flushes them too.
void swiftcnn_enable_flush_to_zero(void);
/// As swiftcnn_enable_flush_to_zero, returning this thread's previous FTZ and DAZ bits
/// (MXCSR & 0x8040; 0 elsewhere than x86-64) for swiftcnn_restore_flush_to_zero.
unsigned swiftcnn_enter_flush_to_zero(void);
/// Puts back the FTZ and DAZ bits swiftcnn_enter_flush_to_zero returned, leaving the
/// rest of this thread's MXCSR (rounding, exception masks) as it is now.
void swiftcnn_restore_flush_to_zero(unsigned previous);
/// The copy of the kernels (kernel_attributes.h's CLONES) the loader picked on this CPU:
/// "avx512f", "x86-64-v3" (AVX2 with FMA), "x86-64" (SSE2), or "generic" off x86-64 Linux.
/// A build with SWIFTCNN_MAX_ISA_AVX2 never says "avx512f".
const char *swiftcnn_kernel_isa(void);
/// Caps the copies the direct, row and scatter convolution kernels run on the calling
/// thread (they have one per instruction set written out, each tiled for its registers):
/// 2 AVX-512, 1 AVX2, 0 the generic one; returns the previous cap (2 at first). Tests use
/// it to check every copy on one machine; the CLONES kernels are not affected.
int swiftcnn_limit_isa(int level);


// Elementwise kernels over contiguous float buffers. Each is compiled for AVX-512, AVX2
// and baseline x86-64 (target_clones), and the loader picks the best the CPU has, so the
// package needs no compiler flags. `n` is the element count.
void swiftcnn_relu_forward(const float *x, float *y, long n);
void swiftcnn_relu_backward(const float *dy, const float *y, float *dx, long n);
/// 1 / (1 + e^−x) and tanh, with a vectorisable exp (Cephes' polynomial, within 2 ulp of expf).
void swiftcnn_sigmoid_forward(const float *x, float *y, long n);
void swiftcnn_tanh_forward(const float *x, float *y, long n);
void swiftcnn_sigmoid_backward(const float *dy, const float *y, float *dx, long n);
void swiftcnn_tanh_backward(const float *dy, const float *y, float *dx, long n);
void swiftcnn_add(const float *a, const float *b, float *c, long n);
/// y += x (y and x do not overlap).
void swiftcnn_add_in_place(float *y, const float *x, long n);
/// y = max(y + residual, 0) in place: a residual block's sum and last ReLU in inference.
void swiftcnn_add_relu_in_place(float *y, const float *residual, long n);
void swiftcnn_multiply(const float *a, const float *b, float *c, long n);
void swiftcnn_add_rows(float *rows, const float *row, long count, long width);
/// Inverted-dropout mask: `scale` where a uniform draw of xoshiro256** (state advanced in
/// place, the same sequence as Swift's RandomGenerator) is below `keep`, else 0.
void swiftcnn_dropout_mask(uint64_t state[4], float *mask, long n, float keep, float scale);
/// Keras's Adam step: m += (g − m)(1 − β1); v += (g² − v)(1 − β2); w −= step · m / (√v + ε).
void swiftcnn_adam_update(float *w, float *m, float *v, const float *g, long n,
                          float one_minus_beta1, float one_minus_beta2, float step, float epsilon);

/// Keras 3's RMSprop step: v = ρv + (1 − ρ)g²; centred (`average` non-null) a = ρa + (1 − ρ)g and
/// d = v − a² + ε, else d = v + ε; Δ = rate · g / √d; with `momentum` non-null m = μm + Δ and
/// w −= m, else w −= Δ.
void swiftcnn_rmsprop_update(float *w, float *velocity, float *momentum, float *average, const float *g, long n,
                             float rho, float one_minus_rho, float rate, float epsilon, float momentum_coefficient);
/// Keras 3's decoupled weight decay: w −= w · weight_decay · rate.
void swiftcnn_decay_weights(float *w, long n, float weight_decay, float rate);

/// Geometry of a 2-D convolution over NHWC input with a [kh, kw, c, f] kernel.
typedef struct {
    long height, width, channels;          // input
    long kernelHeight, kernelWidth, filters;
    long strideHeight, strideWidth;
    long padTop, padLeft;
    long outputHeight, outputWidth;
} swiftcnn_conv_shape;

/// Lanes the direct kernels pad the filter axis to (8 or 16), or 0 when `filters` is too
/// many for them (then im2col + SGEMM is the better tool).
long swiftcnn_conv_direct_lanes(long filters);

/// Direct convolution for few filters: `images` images starting at `input`, written to
/// `output`. `packedKernel` is the kernel in blocks of `lanes` filters, each block
/// [kh·kw·c, lanes] (zeros beyond `filters` in the last); `padded` is scratch of
/// (height + kernelHeight) · (width + kernelWidth) · channels floats.
void swiftcnn_conv_direct_forward(const float *input, const float *packedKernel, const float *bias, float *output,
                                  long images, swiftcnn_conv_shape shape, long lanes, float *padded);

/// Whether `swiftcnn_conv_rows_forward` takes this shape: stride 1, at most 4 channels
/// and 8 filters, a kernel larger than 1×1 (the course's first layers).
int swiftcnn_conv_rows_supported(swiftcnn_conv_shape shape);
/// Floats of scratch `swiftcnn_conv_rows_forward` needs (a planar copy of one image).
long swiftcnn_conv_rows_scratch(swiftcnn_conv_shape shape);
/// The vector width `swiftcnn_conv_rows_forward` uses on this CPU: 16 (AVX-512), 8 (AVX2), 4.
long swiftcnn_conv_rows_lanes(void);
/// The vector width a row or scatter kernel runs for a requested `lanes`: that width when it
/// is 16, 8 or 4 and this CPU has it, else the CPU's widest (0 asks for the widest).
long swiftcnn_conv_vector_width(long lanes);
/// Convolution vectorised along output rows: `images` images from `input` with the
/// `[kh, kw, c, f]` kernel as it is, plus `bias` (or none), written to `output` (NHWC).
/// `lanes` 0 picks the CPU's widest; 8 or 4 run the narrower code (for tests).
void swiftcnn_conv_rows_forward(const float *input, const float *kernel, const float *bias, float *output,
                                long images, swiftcnn_conv_shape shape, long lanes, float *scratch);
/// Floats of scratch `swiftcnn_conv_rows_kernel_gradient` needs (planar copies of one
/// image and of its output gradient, and the vector partial sums).
long swiftcnn_conv_rows_gradient_scratch(swiftcnn_conv_shape shape);
/// Adds the kernel gradient of `images` images, computed along output rows, to
/// `packedGradient` ([kh·kw·c, gradientLanes], filters in the first lanes) for shapes
/// `swiftcnn_conv_rows_supported` takes. `lanes` as for `swiftcnn_conv_rows_forward`.
void swiftcnn_conv_rows_kernel_gradient(const float *input, const float *gradOutput, float *packedGradient,
                                        long gradientLanes, long images, swiftcnn_conv_shape shape, long lanes,
                                        float *scratch);

/// Floats of scratch `swiftcnn_conv_direct_kernel_gradient` needs: the padded image and
/// the output gradient padded to `lanes`.
long swiftcnn_conv_direct_gradient_scratch(swiftcnn_conv_shape shape, long lanes);

/// Adds the kernel gradient of `images` images to `packedGradient` ([kh·kw·c, lanes]).
void swiftcnn_conv_direct_kernel_gradient(const float *input, const float *gradOutput, float *packedGradient,
                                          long images, swiftcnn_conv_shape shape, long lanes, float *scratch);

/// Floats of one kernel row as the scatter input gradient packs it (kw·c rounded up to
/// 16), or 0 when kw·c is over 512 and the scatter does not take the shape.
long swiftcnn_conv_scatter_row(swiftcnn_conv_shape shape);
/// Floats of the scatter's packed kernel: [kh][filters][row].
long swiftcnn_conv_scatter_kernel_count(swiftcnn_conv_shape shape);
/// Packs a `[kh, kw, c, f]` kernel for `swiftcnn_conv_scatter_input_gradient`.
void swiftcnn_conv_scatter_pack(const float *kernel, float *packed, swiftcnn_conv_shape shape);
/// Floats of scratch the scatter needs (one padded input gradient).
long swiftcnn_conv_scatter_scratch(swiftcnn_conv_shape shape);
/// Writes (overwrites) the input gradient of `images` images from their output gradient,
/// any stride and padding. `lanes` 0 picks the CPU's widest; 8 or 4 run the narrower code.
void swiftcnn_conv_scatter_input_gradient(const float *gradOutput, const float *packedKernel, float *gradInput,
                                          long images, swiftcnn_conv_shape shape, long lanes, float *scratch);


// Winograd F(m×m, 3×3) for 3×3 stride-1 convolutions, m = 2, 3 or 4 (winograd_template.h;
// the functions are named swiftcnn_winograd_*, swiftcnn_winograd3_* and swiftcnn_winograd4_*).
// With N = m + 2: tiles of a shape are numbered image by image over its m×m output tiles; V
// is [N²][tileStride][channels], M and dM are [N²][tileStride][filters], U and dU are
// [N²][channels][filters]. The tile transforms touch rows 0..<tiles of such a buffer, for
// tiles firstTile..<firstTile + tiles.
//
//   tiles               m×m output tiles per image.
//   kernel_transform    U = G g Gᵀ of a [3, 3, c, f] kernel, or with `flipped` of the kernel
//                       turned by 180° (the input gradient's, whose products then take each
//                       Up transposed); writes rows firstRow..<firstRow + rowCount (input
//                       channels) of each position's matrix.
//   kernel_gradient     Gᵀ dU G, written over a [3, 3, c, f] buffer.
//   input_transform     V = Bᵀ d B; `zeros` holds `channels` zeros (padding).
//   output_transform    Y = Aᵀ M A (+ bias) into the NHWC output; `sink` takes `filters`
//                       floats of outputs past the edge.
//   gradient_transform  dM = A dY Aᵀ, zeros for outputs past the edge; `zeros` holds
//                       `filters` zeros.
#define SWIFTCNN_WINOGRAD_DECLARE(prefix)                                                                        \
    long prefix##tiles(swiftcnn_conv_shape shape);                                                               \
    void prefix##kernel_transform(const float *kernel, float *u, long c, long f, int flipped, long firstRow,      \
                                  long rowCount);                                                                \
    void prefix##kernel_gradient(const float *du, float *gradKernel, long c, long f);                            \
    void prefix##input_transform(const float *input, float *v, long firstTile, long tiles, long tileStride,      \
                                 swiftcnn_conv_shape shape, const float *zeros);                                 \
    void prefix##output_transform(const float *m, float *output, const float *bias, long firstTile, long tiles,  \
                                  long tileStride, swiftcnn_conv_shape shape, float *sink);                      \
    void prefix##gradient_transform(const float *gradOutput, float *dm, long firstTile, long tiles,               \
                                    long tileStride, swiftcnn_conv_shape shape, const float *zeros);

SWIFTCNN_WINOGRAD_DECLARE(swiftcnn_winograd_)
SWIFTCNN_WINOGRAD_DECLARE(swiftcnn_winograd3_)
SWIFTCNN_WINOGRAD_DECLARE(swiftcnn_winograd4_)

// Batch normalisation over `count` floats of NHWC data in blocks of `period` floats (a
// multiple of the channel count; see BatchNorm.c). Per-channel arguments are expanded to
// one period; sums are added into `period` accumulators.

/// Adds the column sums of a row-major `rows` × `width` matrix to `sums` (bias gradients).
void swiftcnn_column_sums(const float *x, long rows, long width, float *sums);

/// sums[k] += x (or (x − center[k])² when center is given) over elements k of every block.
void swiftcnn_bn_sums(const float *x, long count, long period, const float *center, float *sums);
/// y = x · scale + shift.
void swiftcnn_bn_affine(const float *x, float *y, long count, long period, const float *scale, const float *shift);
/// swiftcnn_bn_affine in place, followed by max(·, 0) when `relu` is non-zero: a
/// convolution's output normalised and rectified in one pass (fused inference).
void swiftcnn_bn_affine_inplace(float *y, long count, long period, const float *scale, const float *shift, int relu);
/// Σdy and Σdy·x̂, where x̂ = (x − mean) · invStd.
void swiftcnn_bn_gradient_sums(const float *x, const float *dy, long count, long period, const float *mean,
                               const float *invStd, float *sumDy, float *sumDyXhat);
/// dx = coefficient · (N·dy − Σdy − x̂·Σdy·x̂), where coefficient = γ · invStd / N.
void swiftcnn_bn_input_gradient(const float *x, const float *dy, float *dx, long count, long period,
                                const float *mean, const float *invStd, const float *coefficient,
                                const float *sumDy, const float *sumDyXhat, float n);

/// Max pooling of images firstImage..<firstImage + images into the whole `output` and
/// `argmax` (for each output, the flat index into the whole input it came from). The
/// shape's filters equal its channels; its kernel is the pool window.
void swiftcnn_maxpool_forward(const float *input, float *output, int32_t *argmax, long firstImage, long images,
                              swiftcnn_conv_shape shape);
/// The same values without the argmax; `columns` is scratch of width · channels floats.
void swiftcnn_maxpool_forward_values(const float *input, float *output, long firstImage, long images,
                                     swiftcnn_conv_shape shape, float *columns);

/// Copies `width` floats from each of `rows` rows of `source` (rows `sourceWidth` apart)
/// into rows of `target` (`targetWidth` apart): concatenation and its gradient.
void swiftcnn_copy_columns(const float *source, long sourceWidth, float *target, long targetWidth, long rows,
                           long width);

/// Fill modes of the affine resamplers (AffineResample.c), Keras's names.
enum { SWIFTCNN_FILL_REFLECT = 0, SWIFTCNN_FILL_NEAREST = 1, SWIFTCNN_FILL_CONSTANT = 2, SWIFTCNN_FILL_WRAP = 3 };

/// TensorFlow's ImageProjectiveTransformV3 on one [h, w, c] image, as Keras 3's Random*
/// layers use it: output pixel (x, y) samples the input at ((t0 x + t1 y + t2) / k,
/// (t3 x + t4 y + t5) / k), k = t6 x + t7 y + 1. `bilinear` 0 is nearest.
void swiftcnn_affine_tf(const float *image, float *out, long h, long w, long c,
                        const float transform[8], int bilinear, int fill, float fill_value);

/// The gradient of swiftcnn_affine_tf with respect to its image, added into `grad_image`.
void swiftcnn_affine_tf_adjoint(const float *grad_out, float *grad_image, long h, long w, long c,
                                const float transform[8], int bilinear, int fill);

/// scipy.ndimage.affine_transform with spline order 0 or 1 on each channel of one [h, w, c]
/// image, as ImageDataGenerator uses it: output (r, col) samples the input at
/// matrix · (r, col) + offset (row-major 2×2 matrix, coordinates (row, column)), and is
/// written flipped top to bottom and/or left to right when `flip_rows` / `flip_cols`.
void swiftcnn_affine_ndimage(const float *image, float *out, long h, long w, long c,
                             const double matrix[4], const double offset[2], int order, int fill, float cval,
                             int flip_rows, int flip_cols);

/// Undoes PNG's row filters for 8-bit RGB rows of `stride` bytes, each stored in `src` after
/// its filter byte, into `dst` (height × stride). 0 for an unknown filter type, else 1.
int swiftcnn_png_unfilter_rgb8(const unsigned char *src, unsigned char *dst, long height, long stride);

/// c[i][j] = bias[j] (0 without) + Σ_p a[i][p] · b[p][j] for rows i < m and columns j in
/// [first_column, end_column), all row-major with the given leading dimensions: a product
/// with few rows (the convolution sends it 64 or fewer) that reads `b` once, without
/// SGEMM's packing.
void swiftcnn_gemm_few_rows(const float *a, long lda, const float *b, long ldb, const float *bias, float *c, long ldc,
                            long m, long k, long first_column, long end_column);

/// A non-escaping Swift closure `(Int, Int) -> Void` held as its two words, for the thread
/// pool's loop body (LoopBody.c). Valid only while the Swift call that made it runs.
typedef struct {
    const void *function;
    void *context;
} swiftcnn_loop_body;

/// Calls the closure `body` with (thread, chunk).
void swiftcnn_loop_body_call(swiftcnn_loop_body body, long thread, long chunk);

#endif
