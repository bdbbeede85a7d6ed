"""Eigenvalues of one Laguerre (Wishart) and one Jacobi (MANOVA) ensemble member, beta = 1: the bidiagonal
models (Dumitriu-Edelman, Edelman-Sutton + LAPACK sterf) against dense sampling + eigvalsh (``wishart`` then
``numpy.linalg.eigvalsh``; ``manova``, which forms A + B, its Cholesky factor L, L^-1 G1 and the eigenvalues of
the Hermitian L^-1 A L^-H), side by side in one run at n = 1000 and 4000 with m = 1.5 n (Laguerre) and
m1 = 1.5 n, m2 = 2 n (Jacobi). Writes benchmarks/results/laguerre_jacobi.json.
Usage: python bench_laguerre_jacobi.py [--quick]
"""
import sys

import numpy as np

from bristol.ensembles import jacobi_eigvals, laguerre_eigvals, manova, wishart

from _common import best_time, table, write


def main(quick=False):
    rows, results = [], []
    for n in ((500, 1000) if quick else (1000, 4000)):
        m, m1, m2 = 3 * n // 2, 3 * n // 2, 2 * n
        dense_repeat = 1 if n > 2000 else 2
        jobs = {
            "laguerre": (lambda: laguerre_eigvals(n, m, 1, random_state=0),
                         lambda: np.linalg.eigvalsh(wishart(n, m, 1, random_state=0)), f"m = {m}"),
            "jacobi": (lambda: jacobi_eigvals(n, m1, m2, 1, random_state=0),
                       lambda: manova(n, m1, m2, 1, random_state=0), f"m1 = {m1}, m2 = {m2}"),
        }
        for name, (sparse, dense, sizes) in jobs.items():
            t_sparse = best_time(sparse, repeat=3)
            t_dense = best_time(dense, repeat=dense_repeat)
            results.append(dict(ensemble=name, n=n, sizes=sizes, bidiagonal_s=t_sparse, dense_s=t_dense,
                                speedup=t_dense / t_sparse))
            rows.append((name, n, sizes, f"{t_sparse:.3f}", f"{t_dense:.2f}", f"{t_dense / t_sparse:.0f}x"))
    print("\nbeta = 1 eigenvalues of one matrix (seconds, best of 3 / of 1-2 for dense; "
          "BLAS threads as the environment sets them)")
    table(rows, ("ensemble", "n", "sizes", "bidiagonal", "dense + eigvalsh", "speedup"))
    write("laguerre_jacobi", dict(results=results))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
