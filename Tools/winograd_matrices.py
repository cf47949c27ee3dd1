#!/usr/bin/env python3
"""Winograd F(m×m, 3×3) transform matrices, checked exactly in rational arithmetic.

Builds Aᵀ and G by the Cook–Toom construction on the given points (plus ∞), solves for
Bᵀ, and checks Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A against the direct 2-D correlation on random
integer tiles with Fractions, so a wrong sign cannot hide in rounding. The matrices in
Sources/CSwiftCNNSupport/Winograd*Convolution.c are these:

    python3 Tools/winograd_matrices.py 3 0 1 -1 2      # F(3×3, 3×3), exactly as in the C
    python3 Tools/winograd_matrices.py 2 0 1 -1        # F(2×2, 3×3) } the C uses Lavin and Gray's
    python3 Tools/winograd_matrices.py 4 0 1 -1 2 -2   # F(4×4, 3×3) } scaling of G's and Bᵀ's rows

Needs only the standard library.
"""
import random
import sys
from fractions import Fraction as F


def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def transpose(a):
    return [list(row) for row in zip(*a)]


def solve(rows, rhs):
    """Exact least-squares-free solve of a consistent overdetermined system (Gaussian elimination)."""
    n = len(rows[0])
    aug = [list(r) + [v] for r, v in zip(rows, rhs)]
    pivots, row = [], 0
    for col in range(n):
        pivot = next((i for i in range(row, len(aug)) if aug[i][col] != 0), None)
        if pivot is None:
            continue
        aug[row], aug[pivot] = aug[pivot], aug[row]
        aug[row] = [x / aug[row][col] for x in aug[row]]
        for i in range(len(aug)):
            if i != row and aug[i][col] != 0:
                factor = aug[i][col]
                aug[i] = [x - factor * y for x, y in zip(aug[i], aug[row])]
        pivots.append(col)
        row += 1
    for r in aug[row:]:
        assert r[-1] == 0, "inconsistent system: these points do not give a Winograd algorithm"
    x = [F(0)] * n
    for i, col in enumerate(pivots):
        x[col] = aug[i][-1]
    return x


def matrices(m, points, r=3):
    n = m + r - 1
    assert len(points) == n - 1, f"F({m}, {r}) needs {n - 1} finite points"
    pts = [F(p) for p in points]
    at = [[p**i for p in pts] + [F(1 if i == m - 1 else 0)] for i in range(m)]

    def f(j):
        out = F(1)
        for l, q in enumerate(pts):
            if l != j:
                out *= pts[j] - q
        return out

    g = [[pts[j] ** k / f(j) for k in range(r)] for j in range(n - 1)] + [[F(1 if k == r - 1 else 0) for k in range(r)]]
    bt = [[F(0)] * n for _ in range(n)]
    for t in range(n):
        rows, rhs = [], []
        for i in range(m):
            for k in range(r):
                rows.append([at[i][j] * g[j][k] for j in range(n)])
                rhs.append(F(1 if t == i + k else 0))
        column = solve(rows, rhs)
        for j in range(n):
            bt[j][t] = column[j]
    return at, g, bt


def check(m, at, g, bt, r=3, trials=20):
    n = m + r - 1
    for _ in range(trials):
        d = [[F(random.randint(-9, 9)) for _ in range(n)] for _ in range(n)]
        w = [[F(random.randint(-9, 9)) for _ in range(r)] for _ in range(r)]
        u = matmul(matmul(g, w), transpose(g))
        v = matmul(matmul(bt, d), transpose(bt))
        y = matmul(matmul(at, [[u[i][j] * v[i][j] for j in range(n)] for i in range(n)]), transpose(at))
        direct = [[sum(w[a][b] * d[i + a][j + b] for a in range(r) for b in range(r)) for j in range(m)] for i in range(m)]
        assert y == direct, "transform does not reproduce the correlation"


if __name__ == "__main__":
    m = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    points = [int(p) for p in sys.argv[2:]] or [0, 1, -1, 2][: m + 1]
    at, g, bt = matrices(m, points)
    check(m, at, g, bt)
    for name, matrix in (("Bᵀ", bt), ("G", g), ("Aᵀ", at)):
        print(name)
        for row in matrix:
            print("  " + "  ".join(f"{str(x):>5}" for x in row))
    print(f"F({m}×{m}, 3×3) on points {points} and ∞: exact on random tiles")
