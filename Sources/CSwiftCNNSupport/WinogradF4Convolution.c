// Winograd F(4×4, 3×3) (Lavin and Gray's matrices): 6×6 input tiles give 4×4 outputs with
// 36 multiplications per tile and channel pair, against 64 for F(2×2, 3×3) and 144 for the
// direct sum. The larger coefficients (up to 8, and sixths in G) cost about one decimal
// digit of rounding against F(2×2, 3×3), still far below what training notices.
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   G  = [¼ 0 0; −⅙ −⅙ −⅙; −⅙ ⅙ −⅙; 1/24 1/12 ⅙; 1/24 −1/12 ⅙; 0 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
#define M 4
#define WINOGRAD(name) swiftcnn_winograd4_##name

#define INPUT_1D(d, t)                                                 \
    do {                                                               \
        (t)[0] = 4 * (d)[0] - 5 * (d)[2] + (d)[4];                     \
        (t)[1] = ((d)[4] + (d)[3]) - 4 * ((d)[1] + (d)[2]);            \
        (t)[2] = ((d)[4] - (d)[3]) + 4 * ((d)[1] - (d)[2]);            \
        (t)[3] = ((d)[4] - (d)[2]) + 2 * ((d)[3] - (d)[1]);            \
        (t)[4] = ((d)[4] - (d)[2]) - 2 * ((d)[3] - (d)[1]);            \
        (t)[5] = 4 * (d)[1] - 5 * (d)[3] + (d)[5];                     \
    } while (0)

#define OUTPUT_1D(m, o)                                                \
    do {                                                               \
        (o)[0] = (m)[0] + (m)[1] + (m)[2] + (m)[3] + (m)[4];           \
        (o)[1] = ((m)[1] - (m)[2]) + 2 * ((m)[3] - (m)[4]);            \
        (o)[2] = ((m)[1] + (m)[2]) + 4 * ((m)[3] + (m)[4]);            \
        (o)[3] = ((m)[1] - (m)[2]) + 8 * ((m)[3] - (m)[4]) + (m)[5];   \
    } while (0)

#define GRADIENT_1D(y, m)                                              \
    do {                                                               \
        (m)[0] = (y)[0];                                               \
        (m)[1] = (y)[0] + (y)[1] + (y)[2] + (y)[3];                    \
        (m)[2] = (y)[0] - (y)[1] + (y)[2] - (y)[3];                    \
        (m)[3] = (y)[0] + 2 * (y)[1] + 4 * (y)[2] + 8 * (y)[3];        \
        (m)[4] = (y)[0] - 2 * (y)[1] + 4 * (y)[2] - 8 * (y)[3];        \
        (m)[5] = (y)[3];                                               \
    } while (0)

#define KERNEL_1D(g, u)                                                              \
    do {                                                                             \
        (u)[0] = 0.25f * (g)[0];                                                     \
        (u)[1] = -((g)[0] + (g)[1] + (g)[2]) * (1.0f / 6);                           \
        (u)[2] = -((g)[0] - (g)[1] + (g)[2]) * (1.0f / 6);                           \
        (u)[3] = (g)[0] * (1.0f / 24) + (g)[1] * (1.0f / 12) + (g)[2] * (1.0f / 6);  \
        (u)[4] = (g)[0] * (1.0f / 24) - (g)[1] * (1.0f / 12) + (g)[2] * (1.0f / 6);  \
        (u)[5] = (g)[2];                                                             \
    } while (0)

#define KERNEL_GRADIENT_1D(h, r)                                                                  \
    do {                                                                                          \
        (r)[0] = 0.25f * (h)[0] - ((h)[1] + (h)[2]) * (1.0f / 6) + ((h)[3] + (h)[4]) * (1.0f / 24); \
        (r)[1] = ((h)[2] - (h)[1]) * (1.0f / 6) + ((h)[3] - (h)[4]) * (1.0f / 12);                \
        (r)[2] = ((h)[3] + (h)[4] - (h)[1] - (h)[2]) * (1.0f / 6) + (h)[5];                       \
    } while (0)

#include "winograd_template.h"
