"""Eigenvalue sampling of CUE/COE/CSE: bristol against scipy + numpy.linalg.eigvals, in one run.

Prints three tables and writes benchmarks/results/ensembles.json:
1. seconds per matrix for the eigenvalues at N = 64, 256, 1024 (baseline: scipy's
   ``unitary_group.rvs`` -> U, U^T U or Z U^T Z^T U -> ``np.linalg.eigvals``);
2. the data set of arXiv:1704.08303 (CUE, COE, CSE at N = 64 ... 1024, 40 matrices each);
3. growth of the eigenvalue-only path with N up to 16384.
Everything runs with one BLAS thread per process (as bristol's chunk workers do).
Usage: python benchmarks/bench_ensembles.py [--quick]
"""
import sys
import time

import numpy as np
from scipy.stats import unitary_group
from threadpoolctl import threadpool_limits

from bristol.ensembles import ENSEMBLE_BETA, circular_eigphases, circular_ensemble_eigphases, quaternion_dual

from _common import best_time, table, write


def baseline(ensemble, n, rng):
    if ensemble == "CSE":
        u = unitary_group.rvs(2 * n, random_state=rng)
        m = quaternion_dual(u) @ u
    else:
        u = unitary_group.rvs(n, random_state=rng)
        m = u.T @ u if ensemble == "COE" else u
    return np.linalg.eigvals(m)


def main(quick=False):
    sizes = (64, 256) if quick else (64, 256, 1024)
    per_matrix, rows = [], []
    for n in sizes:
        reps = max(1, 256 // n)
        for name, beta in ENSEMBLE_BETA.items():
            rng = np.random.default_rng(0)
            t_base = best_time(lambda: [baseline(name, n, rng) for _ in range(reps)],
                               repeat=1 if n >= 1024 else 2) / reps
            t_ours = best_time(lambda: circular_eigphases(n, beta, size=4 * reps, random_state=1),
                               repeat=3) / (4 * reps)
            per_matrix.append(dict(ensemble=name, N=n, scipy_eigvals_s=t_base, bristol_s=t_ours,
                                   speedup=t_base / t_ours))
            rows.append((name, n, f"{t_base:.4f}", f"{t_ours:.5f}", f"{t_base / t_ours:.1f}x"))
    print("\nSeconds per matrix (eigenvalues), one BLAS thread")
    table(rows, ("ensemble", "N", "scipy+eigvals", "bristol", "speedup"))

    dataset_sizes = (64, 128, 256, 512, 768, 1024)
    timings = {}
    for n_jobs in (1, 2):
        t0 = time.perf_counter()
        for beta in ENSEMBLE_BETA.values():
            for n in dataset_sizes:
                circular_ensemble_eigphases(n, 40, beta, seeds=[997123, 1091645, 1352, 32718], n_jobs=n_jobs)
        timings[n_jobs] = time.perf_counter() - t0
    print("\nData set of arXiv:1704.08303 (3 ensembles x 6 sizes x 40 matrices)")
    table([(k, f"{v:.1f}") for k, v in timings.items()], ("n_jobs", "seconds"))

    growth = []
    for n in ((1024, 2048, 4096) if quick else (1024, 2048, 4096, 8192, 16384)):
        t = best_time(lambda: circular_eigphases(n, 2, random_state=2, method="banded"), repeat=1)
        growth.append(dict(N=n, seconds=t))
    print("\nEigenvalue-only path (one CUE matrix), growth with N")
    table([(g["N"], f"{g['seconds']:.3f}", f"{g['seconds'] / growth[0]['seconds']:.1f}") for g in growth],
          ("N", "seconds", "vs N=1024"))
    write("ensembles", dict(blas_threads=1, per_matrix=per_matrix, dataset_seconds=timings, growth=growth))


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main(quick="--quick" in sys.argv)
