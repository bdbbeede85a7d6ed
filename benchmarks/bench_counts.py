"""Eigenvalue counts per bin without eigenvalues (circular_counts, gaussian_counts) against the
eigenvalue path (circular_eigphases / gaussian_eigvals; the histogram is not timed), side by side in one run:
40 members, beta = 2, the delta_rad = 0.2 phase grid (33 edges; for the Gaussian ensemble 33 equal
edges over 1.05 x the semicircle), N = 1e3, 1e4 and 1e5 (1e3, 1e4 with --quick).

The eigenvalue path is timed on all members up to N = 1e3 and on ``EIG_MEMBERS_LARGE`` members
above (scaled to 40 and marked "scaled"); beyond ``EIG_MAX_N`` it is not run. Where both paths run,
the counts are checked equal. Writes benchmarks/results/counts.json.
Usage (from benchmarks/): python bench_counts.py [--quick]
"""
import math
import sys

import numpy as np

from bristol.ensembles import circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals
from bristol.spectral import phase_bin_edges

from _common import table, timed, write

MEMBERS, BETA, DELTA_RAD = 40, 2.0, 0.2
#: Members the eigenvalue path is timed on above N = 1e3 (its time is scaled to MEMBERS).
EIG_MEMBERS_LARGE = 2
#: Largest N at which the eigenvalue path is run (O(N^2) per member).
EIG_MAX_N = 10**4


def _histograms(values, edges):
    return np.array([np.histogram(v, bins=edges)[0] for v in values])


def _case(kind, n, seed):
    if kind == "circular":
        counts_fn, values_fn, edges = circular_counts, circular_eigphases, phase_bin_edges(DELTA_RAD)
    else:
        radius = 1.05 * math.sqrt(2 * BETA * n)
        counts_fn, values_fn, edges = gaussian_counts, gaussian_eigvals, np.linspace(-radius, radius, 33)
    counts, t_counts = timed(lambda: counts_fn(n, BETA, edges, size=MEMBERS, random_state=seed))
    row = dict(ensemble=kind, N=n, members=MEMBERS, edges=edges.size, counts_s=t_counts)
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
    return row


def main(quick=False):
    sizes = (10**3, 10**4) if quick else (10**3, 10**4, 10**5)
    results = [_case(kind, n, seed=n) for kind in ("circular", "gaussian") for n in sizes]
    rows = []
    for r in results:
        eig = "not run" if "eigen_s" not in r else (
            f"{r['eigen_s']:.2f}" + ("" if r["eigen_members_timed"] == MEMBERS else " (scaled)"))
        ratio = f"{r['eigen_s'] / r['counts_s']:.0f}x" if "eigen_s" in r else ""
        rows.append((r["ensemble"], r["N"], f"{r['counts_s']:.2f}", eig, ratio, r.get("equal", "")))
    print(f"\n{MEMBERS} members, beta = {BETA}, delta_rad = {DELTA_RAD} (seconds, one process)")
    table(rows, ("ensemble", "N", "counts", "eigenvalues", "ratio", "equal"))
    write("counts", dict(members=MEMBERS, beta=BETA, delta_rad=DELTA_RAD, results=results))


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
