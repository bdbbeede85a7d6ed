"""Eigenvalues of one beta = 1 Gaussian ensemble member: tridiagonal (Dumitriu-Edelman +
LAPACK sterf) against a dense GOE matrix + numpy.linalg.eigvalsh, in one run, at N = 1000,
4000, 10000. Writes benchmarks/results/gaussian.json. Usage: python bench_gaussian.py [--quick]
"""
import sys

import numpy as np

from bristol.ensembles import gaussian_eigvals, goe

from _common import best_time, table, write


def main(quick=False):
    rows, results = [], []
    for n in ((1000, 2000) if quick else (1000, 4000, 10000)):
        t_tri = best_time(lambda: gaussian_eigvals(n, 1, random_state=0), repeat=3)
        t_dense = best_time(lambda: np.linalg.eigvalsh(goe(n, random_state=0)), repeat=1 if n > 2000 else 2)
        results.append(dict(N=n, tridiagonal_s=t_tri, dense_s=t_dense, speedup=t_dense / t_tri))
        rows.append((n, f"{t_tri:.3f}", f"{t_dense:.2f}", f"{t_dense / t_tri:.0f}x"))
    print("\nbeta = 1 eigenvalues of one matrix (seconds; BLAS threads as the environment sets them)")
    table(rows, ("N", "tridiagonal", "dense eigvalsh", "speedup"))
    write("gaussian", dict(results=results))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
