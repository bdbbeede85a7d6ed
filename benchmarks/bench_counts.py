"""Eigenvalue counts per bin without eigenvalues (circular_counts, gaussian_counts) against the
eigenvalue path (circular_eigphases / gaussian_eigvals; the histogram is not timed), side by side in one run:
40 members, beta = 2, the delta_rad = 0.2 phase grid (33 edges; for the Gaussian ensemble 33 equal
edges over 1.05 x the semicircle), N = 1e3 ... 1e6 (1e3, 1e4 with --quick; --max-n 1e7 adds 1e7).

Columns: ``counts`` is the default path (the numba kernel where numba is installed, in parallel on
numba's threads), ``numpy loop`` the fallback without numba (run up to ``FALLBACK_MAX_N``; the two
are checked equal), ``eigenvalues`` the eigenvalue path, timed on all members up to N = 1e3 and on
``EIG_MEMBERS_LARGE`` members up to ``EIG_MAX_N`` (scaled to 40 and marked "scaled"); beyond
``EIG_MAX_N`` it is not run, and its time is extrapolated from the largest measured N as N^2 (marked
"extrap."). Where both paths run, the counts are checked equal. Writes benchmarks/results/counts.json.
Usage (from benchmarks/): python bench_counts.py [--quick] [--max-n 1e7]
"""
import math
import sys

import numpy as np

from bristol.ensembles import _counts, circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals
from bristol.spectral import phase_bin_edges

from _common import table, timed, write

MEMBERS, BETA, DELTA_RAD = 40, 2.0, 0.2
#: Members the eigenvalue path is timed on above N = 1e3 (its time is scaled to MEMBERS).
EIG_MEMBERS_LARGE = 2
#: Largest N at which the eigenvalue path is run (O(N^2) per member).
EIG_MAX_N = 10**4
#: Largest N at which the numpy fallback is timed.
FALLBACK_MAX_N = 10**5


def _histograms(values, edges):
    return np.array([np.histogram(v, bins=edges)[0] for v in values])


def _fallback(fn):
    """fn() with the numpy loop instead of the compiled kernels."""
    compiled = _counts._compiled
    _counts._compiled = lambda: None
    try:
        return fn()
    finally:
        _counts._compiled = compiled


def bin_edges(kind, n):
    """The benchmark's bins: the delta_rad phase grid (circular), or 33 equal edges over 1.05 x
    the semicircle of radius sqrt(2 beta N) (Gaussian)."""
    if kind == "circular":
        return phase_bin_edges(DELTA_RAD)
    radius = 1.05 * math.sqrt(2 * BETA * n)
    return np.linspace(-radius, radius, 33)


def _case(kind, n, seed, largest_eigen):
    counts_fn, values_fn = (circular_counts, circular_eigphases) if kind == "circular" else (gaussian_counts,
                                                                                          gaussian_eigvals)
    edges = bin_edges(kind, n)
    counts, t_counts = timed(lambda: counts_fn(n, BETA, edges, size=MEMBERS, random_state=seed))
    row = dict(ensemble=kind, N=n, members=MEMBERS, edges=edges.size, counts_s=t_counts)
    if _counts._compiled() is not None and n <= FALLBACK_MAX_N:
        fallback, row["numpy_loop_s"] = timed(lambda: _fallback(
            lambda: counts_fn(n, BETA, edges, size=MEMBERS, random_state=seed)))
        row["fallback_equal"] = bool(np.array_equal(fallback, counts))
    if n <= EIG_MAX_N:
        members = MEMBERS if n <= 1000 else EIG_MEMBERS_LARGE
        # a smaller batch draws other numbers than the first members of a full one: its counts are
        # recomputed for the equality check
        values, t_eig = timed(lambda: values_fn(n, BETA, size=members, random_state=seed))
        row.update(eigen_s=t_eig * MEMBERS / members, eigen_members_timed=members)
        if members == MEMBERS:
            row["equal"] = bool(np.array_equal(counts, _histograms(values, edges)))
        else:
            check = counts_fn(n, BETA, edges, size=members, random_state=seed)
            row["equal"] = bool(np.array_equal(check, _histograms(values, edges)))
        largest_eigen[kind] = (n, row["eigen_s"])
    elif kind in largest_eigen:
        n0, t0 = largest_eigen[kind]
        row["eigen_s_extrapolated"] = t0 * (n / n0) ** 2
    print(row, flush=True)  # a long run shows its progress
    return row


def _eigen_cell(r):
    if "eigen_s" in r:
        return f"{r['eigen_s']:.2f}" + ("" if r["eigen_members_timed"] == MEMBERS else " (scaled)")
    if "eigen_s_extrapolated" in r:
        return f"{r['eigen_s_extrapolated']:.3g} (extrap.)"
    return "not run"


def main(quick=False, max_n=10**6):
    sizes = [10**e for e in range(3, int(round(math.log10(max_n))) + 1)]
    if quick:
        sizes = sizes[:2]
    backend = "numba" if _counts._compiled() is not None else "numpy loop"
    threads = None
    if backend == "numba":
        import numba

        threads = numba.get_num_threads()
        # compile (or load the cache) outside the timings
        circular_counts(3, BETA, [-1.0, 1.0], random_state=0)
        gaussian_counts(3, BETA, [-1.0, 1.0], random_state=0)
    largest_eigen = {}
    results = [_case(kind, n, seed=n, largest_eigen=largest_eigen)
               for kind in ("circular", "gaussian") for n in sizes]
    rows = []
    for r in results:
        eigen = r.get("eigen_s", r.get("eigen_s_extrapolated"))
        loop = f"{r['numpy_loop_s']:.2f}" if "numpy_loop_s" in r else ""
        rows.append((r["ensemble"], r["N"], f"{r['counts_s']:.2f}", loop, _eigen_cell(r),
                     f"{eigen / r['counts_s']:.0f}x" if eigen is not None else "",
                     r.get("equal", ""), r.get("fallback_equal", "")))
    print(f"\n{MEMBERS} members, beta = {BETA}, delta_rad = {DELTA_RAD} (seconds, one process); "
          f"counts: {backend}" + (f" on {threads} threads" if threads else ""))
    table(rows, ("ensemble", "N", "counts", "numpy loop", "eigenvalues", "ratio", "equal", "loop equal"))
    write("counts", dict(members=MEMBERS, beta=BETA, delta_rad=DELTA_RAD, backend=backend,
                         numba_threads=threads, results=results))


if __name__ == "__main__":
    max_n = float(sys.argv[sys.argv.index("--max-n") + 1]) if "--max-n" in sys.argv else 10**6
    main(quick="--quick" in sys.argv, max_n=int(max_n))
