// Winograd F(2×2, 3×3) (Lavin and Gray): 4×4 input tiles give 2×2 outputs with 16
// multiplications per tile and channel pair instead of 36. Its coefficients are 0, ±½ and
// ±1, so its rounding stays within a few ulp of the direct sum. The kernels are in
// winograd_template.h; here are the matrices:
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]
//   G  = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]
#define M 2
#define WINOGRAD(name) swiftcnn_winograd_##name

#define INPUT_1D(d, t)                \
    do {                              \
        (t)[0] = (d)[0] - (d)[2];     \
        (t)[1] = (d)[1] + (d)[2];     \
        (t)[2] = (d)[2] - (d)[1];     \
        (t)[3] = (d)[1] - (d)[3];     \
    } while (0)

#define OUTPUT_1D(m, o)                       \
    do {                                      \
        (o)[0] = (m)[0] + (m)[1] + (m)[2];    \
        (o)[1] = (m)[1] - (m)[2] - (m)[3];    \
    } while (0)

#define GRADIENT_1D(y, m)             \
    do {                              \
        (m)[0] = (y)[0];              \
        (m)[1] = (y)[0] + (y)[1];     \
        (m)[2] = (y)[0] - (y)[1];     \
        (m)[3] = -(y)[1];             \
    } while (0)

#define KERNEL_1D(g, u)                                   \
    do {                                                  \
        (u)[0] = (g)[0];                                  \
        (u)[1] = 0.5f * ((g)[0] + (g)[1] + (g)[2]);       \
        (u)[2] = 0.5f * ((g)[0] - (g)[1] + (g)[2]);       \
        (u)[3] = (g)[2];                                  \
    } while (0)

#define KERNEL_GRADIENT_1D(h, r)                          \
    do {                                                  \
        (r)[0] = (h)[0] + 0.5f * ((h)[1] + (h)[2]);       \
        (r)[1] = 0.5f * ((h)[1] - (h)[2]);                \
        (r)[2] = 0.5f * ((h)[1] + (h)[2]) + (h)[3];       \
    } while (0)

#include "winograd_template.h"
