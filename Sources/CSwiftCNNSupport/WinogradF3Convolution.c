// Winograd F(3×3, 3×3): 5×5 input tiles give 3×3 outputs with 25 multiplications per tile
// and channel pair (2.78 per output, against 4 for F(2×2, 3×3) and 2.25 for F(4×4, 3×3)).
// It is for the maps the other two fit badly: a 5×5 map (AlexNet8's last three
// convolutions) is 4 tiles here, against 9 tiles of F(2×2, 3×3) or 4 of F(4×4, 3×3) that
// compute 64 outputs for 25. The matrices are the Cook–Toom construction on the points
// 0, 1, −1, 2 and ∞ (derived and checked exactly by Tools/winograd_matrices.py):
//   Bᵀ = [2 −1 −2 1 0; 0 −2 −1 1 0; 0 2 −3 1 0; 0 −1 0 1 0; 0 2 −1 −2 1]
//   G  = [½ 0 0; −½ −½ −½; −⅙ ⅙ −⅙; ⅙ ⅓ ⅔; 0 0 1]
//   Aᵀ = [1 1 1 1 0; 0 1 −1 2 0; 0 1 1 4 1]
#define M 3
#define WINOGRAD(name) swiftcnn_winograd3_##name

#define INPUT_1D(d, t)                                                \
    do {                                                              \
        (t)[0] = 2 * ((d)[0] - (d)[2]) + ((d)[3] - (d)[1]);           \
        (t)[1] = ((d)[3] - (d)[2]) - 2 * (d)[1];                      \
        (t)[2] = 2 * (d)[1] - 3 * (d)[2] + (d)[3];                    \
        (t)[3] = (d)[3] - (d)[1];                                     \
        (t)[4] = 2 * ((d)[1] - (d)[3]) - (d)[2] + (d)[4];             \
    } while (0)

#define OUTPUT_1D(m, o)                                               \
    do {                                                              \
        (o)[0] = (m)[0] + (m)[1] + (m)[2] + (m)[3];                   \
        (o)[1] = ((m)[1] - (m)[2]) + 2 * (m)[3];                      \
        (o)[2] = ((m)[1] + (m)[2]) + 4 * (m)[3] + (m)[4];             \
    } while (0)

#define GRADIENT_1D(y, m)                                             \
    do {                                                              \
        (m)[0] = (y)[0];                                              \
        (m)[1] = (y)[0] + (y)[1] + (y)[2];                            \
        (m)[2] = (y)[0] - (y)[1] + (y)[2];                            \
        (m)[3] = (y)[0] + 2 * (y)[1] + 4 * (y)[2];                    \
        (m)[4] = (y)[2];                                              \
    } while (0)

#define KERNEL_1D(g, u)                                               \
    do {                                                              \
        (u)[0] = 0.5f * (g)[0];                                       \
        (u)[1] = -0.5f * ((g)[0] + (g)[1] + (g)[2]);                  \
        (u)[2] = -((g)[0] - (g)[1] + (g)[2]) * (1.0f / 6);            \
        (u)[3] = ((g)[0] + 2 * (g)[1] + 4 * (g)[2]) * (1.0f / 6);     \
        (u)[4] = (g)[2];                                              \
    } while (0)

#define KERNEL_GRADIENT_1D(h, r)                                              \
    do {                                                                      \
        (r)[0] = 0.5f * ((h)[0] - (h)[1]) + ((h)[3] - (h)[2]) * (1.0f / 6);   \
        (r)[1] = -0.5f * (h)[1] + ((h)[2] + 2 * (h)[3]) * (1.0f / 6);         \
        (r)[2] = -0.5f * (h)[1] + (4 * (h)[3] - (h)[2]) * (1.0f / 6) + (h)[4]; \
    } while (0)

#include "winograd_template.h"
