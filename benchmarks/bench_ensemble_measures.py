"""The cost model of bristol.spectral.ensemble_method, measured again for every counting kernel.

Seconds per member on the counts path with m members per call and E edges:
o / m + N (s / m + d) + (E + 1) (N e + g), for each kernel that runs here -- numba (where installed, on its
default threads), the numpy loop, torch on the CPU, torch on a GPU (where CUDA is available); on
the eigenvalue path c N^2 + h N. The constants are fitted (non-negative least squares in relative
error) to circular_counts / gaussian_counts and circular_eigphases / gaussian_eigvals timed side by
side in one run (one BLAS thread; best of 3) at N = 64, 256, 1024, 4096 (to 1024 with --quick),
m = 1 and 5, E = 33 and 16 385 (65 537 on a GPU), and printed next to the constants the library uses.

Then the issue's example, timed directly: N = 1024, delta_rad = 1e-4 (62 832 phase bins; 20 002
Gaussian bins), seconds per member of each kernel against the eigenvalue path (2 members), with the
path the model chooses for that kernel; and where the model puts the crossover at delta_rad = 1e-4
and 0.2 for each kernel.

Usage (from benchmarks/, with the bristol to measure importable):
    python bench_ensemble_measures.py [--quick] [--kernels=numba,numpy,torch-cpu,torch-gpu]
Writes benchmarks/results/ensemble_measures.json.
"""
import contextlib
import sys

import numpy as np
from scipy.optimize import nnls
from threadpoolctl import threadpool_limits

from bristol.ensembles import _counts, circular_counts, circular_eigphases, gaussian_counts, gaussian_eigvals
from bristol.spectral import _ensemble_measures as model
from bristol.spectral import ensemble_bin_edges, ensemble_method

from _common import best_time, table, write

BETA = 2.0
COUNTERS = {"circular": (circular_counts, circular_eigphases), "gaussian": (gaussian_counts, gaussian_eigvals)}
#: Members per call of the fit.
MEMBERS = (1, 5)
#: The issue's example: N and delta_rad at which the eigenvalue path was said to be the cheaper.
EXAMPLE_N, EXAMPLE_DELTA = 1024, 1e-4


def available_kernels():
    """The kernels this machine can run, by the names of bristol.ensembles._counts._kernel."""
    kernels = ["numpy"]
    if _counts._compiled() is not None:
        kernels.insert(0, "numba")
    try:
        import torch
    except ImportError:
        return kernels
    kernels.append("torch-cpu")
    if torch.cuda.is_available():
        kernels.append("torch-gpu")
    return kernels


@contextlib.contextmanager
def _numpy_loop():
    """The numpy loop instead of the compiled kernels."""
    compiled = _counts._compiled
    _counts._compiled = lambda: None
    try:
        yield
    finally:
        _counts._compiled = compiled


def _counter(kind, kernel):
    """counts(n, edges, m) running on ``kernel``."""
    counter = COUNTERS[kind][0]
    device = {"torch-cpu": "cpu", "torch-gpu": "cuda"}.get(kernel)
    guard = _numpy_loop if kernel == "numpy" else contextlib.nullcontext

    def run(n, edges, m):
        with guard():
            return counter(n, BETA, edges, size=m, random_state=0, device=device)

    return run


def _edges(kind, n, n_edges):
    """``n_edges`` edges of the ensemble's grid at size n."""
    width = 2 * np.pi / (n_edges - 1) if kind == "circular" else 2 / (n_edges - 3)
    return ensemble_bin_edges(n, BETA, delta_rad=width, kind=kind)


def _nnls(columns, times):
    """Non-negative least squares of ``times`` on ``columns``, in relative error (each row / its time)."""
    a = np.array(columns, dtype=float) / np.array(times)[:, None]
    return nnls(a, np.ones(len(times)))[0]


def fit(kind, kernel, sizes, repeat, large):
    """(o, s, d, e, g) of the counts path on ``kernel``: seconds per call of o + N (s + m d) + m (E + 1) (N e + g)."""
    run = _counter(kind, kernel)
    columns, times = [], []
    for n in sizes:
        for n_edges in (33, large):
            edges = _edges(kind, n, n_edges)
            run(n, edges, 1)  # compile / warm up
            for m in MEMBERS:
                times.append(best_time(lambda: run(n, edges, m), repeat))
                columns.append([1, n, n * m, m * (edges.size + 1) * n, m * (edges.size + 1)])
    call, step, member, edge, lane = _nnls(columns, times)
    return dict(kind=kind, kernel=kernel, sizes=list(sizes), edges=[33, large], call_s=call, step_s=step,
                member_s=member, edge_s=edge, lane_s=lane, times=times)


def fit_eigen(kind, sizes, repeat):
    """(c, h) of the eigenvalue path: seconds per member c N^2 + h N."""
    members = 2
    times = [best_time(lambda: COUNTERS[kind][1](n, BETA, size=members, random_state=0), repeat) for n in sizes]
    square, linear = _nnls([[members * n * n, members * n] for n in sizes], times)
    return dict(kind=kind, sizes=list(sizes), eigen_s=square, eigen_linear_s=linear, times=times)


def example(kind, kernels, repeat):
    """Seconds per member at the issue's example, each kernel and the eigenvalue path, and the model's choice."""
    edges = ensemble_bin_edges(EXAMPLE_N, BETA, delta_rad=EXAMPLE_DELTA, kind=kind)
    row = dict(kind=kind, N=EXAMPLE_N, delta_rad=EXAMPLE_DELTA, bins=edges.size - 1)
    members = 2
    row["eigenvalues_s"] = best_time(lambda: COUNTERS[kind][1](EXAMPLE_N, BETA, size=members, random_state=0),
                                     repeat) / members
    for kernel in kernels:
        run = _counter(kind, kernel)
        row[f"{kernel}_s"] = best_time(lambda: run(EXAMPLE_N, edges, members), repeat) / members
        row[f"{kernel}_measured"] = "counts" if row[f"{kernel}_s"] < row["eigenvalues_s"] else "eigenvalues"
        row[f"{kernel}_model"] = ensemble_method(EXAMPLE_N, edges.size - 1, kind=kind, chunk_members=members,
                                                 kernel=kernel)
    return row


def _crossover(kind, delta_rad, kernel):
    """The smallest power-of-2 N at which the model takes the counts path (5 members per chunk)."""
    for n in (2**k for k in range(2, 24)):
        n_bins = ensemble_bin_edges(n, BETA, delta_rad=delta_rad, kind=kind).size - 1
        if ensemble_method(n, n_bins, kind=kind, chunk_members=5, kernel=kernel) == "counts":
            return n
    return None


def main(quick=False, kernels=None):
    sizes = (64, 256, 1024) if quick else (64, 256, 1024, 4096)
    repeat = 2 if quick else 3
    kernels = kernels or available_kernels()
    threads = None
    if "numba" in kernels:
        import numba

        threads = numba.get_num_threads()
    with threadpool_limits(limits=1):
        rows = [fit(kind, kernel, sizes, repeat, 65537 if kernel == "torch-gpu" else 16385)
                for kind in COUNTERS for kernel in kernels]
        eigen = [fit_eigen(kind, sizes, repeat) for kind in COUNTERS]
        examples = [example(kind, kernels, 1 if quick else 2) for kind in COUNTERS]
    table([(r["kind"], r["kernel"], *(f"{r[k]:.2g}" for k in ("call_s", "step_s", "member_s", "edge_s", "lane_s")))
           for r in rows], ("ensemble", "kernel", "o (per call)", "s (per step)", "d (per step, member)",
                            "e (per step, member, edge)", "g (per member, edge)"))
    table([(r["kind"], f"{r['eigen_s']:.2g}", f"{r['eigen_linear_s']:.2g}") for r in eigen],
          ("ensemble", "c (per member, N^2)", "h (per member, N)"))
    table([(r["kind"], r["bins"], f"{r['eigenvalues_s']:.3g}",
            *(f"{r[k + '_s']:.3g} {r[k + '_measured']}/{r[k + '_model']}" for k in kernels)) for r in examples],
          ("ensemble", "bins", "eigenvalues s/member", *(f"{k} s/member measured/model" for k in kernels)))
    used = {kernel: {kind: model._COUNTS_COST[kernel][kind] for kind in COUNTERS} for kernel in model._COUNTS_COST}
    print("constants (o, s, d, e, g) in bristol.spectral._ensemble_measures:", used, "(c, h):", model._EIGEN_COST)
    crossover = {kernel: {kind: {str(d): _crossover(kind, d, kernel) for d in (0.2, 1e-4)} for kind in COUNTERS}
                 for kernel in model._COUNTS_COST}
    print("smallest power-of-2 N at which the model takes the counts path (5 members per chunk):", crossover)
    write("ensemble_measures", dict(beta=BETA, blas_threads=1, numba_threads=threads, kernels=kernels,
                                    counts=rows, eigenvalues=eigen, example=examples,
                                    constants=dict(counts=used, eigen=model._EIGEN_COST), crossover=crossover))


if __name__ == "__main__":
    chosen = next((a.split("=", 1)[1].split(",") for a in sys.argv if a.startswith("--kernels=")), None)
    main(quick="--quick" in sys.argv, kernels=chosen)
