"""The cost model of bristol.spectral.ensemble_method, measured again: the constants (s, e, c) of
counts ~ N (s / m + e (E + 1)) and eigenvalues ~ c N^2 seconds per member (docs/theory.md 8.4),
fitted to circular_counts / gaussian_counts and circular_eigphases / gaussian_eigvals timed side by
side in one run (one BLAS thread; best of 3), next to the constants the library uses, and where the
model puts the crossover at delta_rad = 1e-4 and 0.2.

Usage (from benchmarks/): python bench_ensemble_measures.py [--quick]
Writes benchmarks/results/ensemble_measures.json.
"""
import sys

import numpy as np
from threadpoolctl import threadpool_limits

from bristol.ensembles import circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals
from bristol.spectral import _ensemble_measures as model
from bristol.spectral import ensemble_bin_edges, ensemble_method

from _common import best_time, table, write

BETA = 2.0
COUNTERS = {"circular": (circular_counts, circular_eigphases), "gaussian": (gaussian_counts, gaussian_eigvals)}


def _edges(kind, n, n_edges):
    """``n_edges`` edges of the ensemble's grid at size n."""
    width = 2 * np.pi / (n_edges - 1) if kind == "circular" else 2 / (n_edges - 3)
    return ensemble_bin_edges(n, BETA, delta_rad=width, kind=kind)


def fit(kind, sizes, repeat):
    counter, sampler = COUNTERS[kind]
    rows = []
    for n in sizes:
        small, large = _edges(kind, n, 33), _edges(kind, n, 1025)
        t = {(m, e.size): best_time(lambda: counter(n, BETA, e, size=m, random_state=0), repeat) / n
             for m in (1, 5) for e in (small, large)}
        # per step: s + e m (E + 1); the edge term from the difference in E, the step term from m = 1
        edge = np.mean([(t[(m, large.size)] - t[(m, small.size)]) / (m * (large.size - small.size)) for m in (1, 5)])
        step = t[(1, small.size)] - edge * (small.size + 1)
        eigen = best_time(lambda: sampler(n, BETA, size=2, random_state=0), repeat) / 2 / n**2
        rows.append(dict(kind=kind, N=n, step_s=step, edge_s=edge, eigen_s=eigen))
    return rows


def _crossover(kind, delta_rad):
    """The smallest power-of-2 N at which the model takes the counts path (5 members per chunk)."""
    for n in (2**k for k in range(2, 24)):
        n_bins = ensemble_bin_edges(n, BETA, delta_rad=delta_rad, kind=kind).size - 1
        if ensemble_method(n, n_bins, kind=kind, chunk_members=5) == "counts":
            return n
    return None


def main(quick=False):
    sizes = (256, 1024) if quick else (256, 1024, 4096)
    with threadpool_limits(limits=1):
        rows = [r for kind in COUNTERS for r in fit(kind, sizes, 2 if quick else 3)]
    table([(r["kind"], r["N"], f"{r['step_s']:.2g}", f"{r['edge_s']:.2g}", f"{r['eigen_s']:.2g}") for r in rows],
          ("ensemble", "N", "s (per step)", "e (per step, member, edge)", "c (per N^2)"))
    used = {kind: (model._COUNTS_STEP_S[kind], model._COUNTS_EDGE_S[kind], model._EIGEN_S[kind]) for kind in COUNTERS}
    print("constants in bristol.spectral._ensemble_measures (s, e, c):", used)
    crossover = {kind: {str(d): _crossover(kind, d) for d in (0.2, 1e-4)} for kind in COUNTERS}
    print("smallest power-of-2 N at which the model takes the counts path (5 members per chunk):", crossover)
    write("ensemble_measures", dict(beta=BETA, threads=1, results=rows, constants=used, crossover=crossover))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
