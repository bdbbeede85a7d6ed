"""Thirumalai-Mountain metric: bristol's one-pass binning against the member-by-member loop.

40 x 1024 CUE eigenphases at delta_rad = 1e-4 and 0.2, in one run; the loop is the
straightforward definition (one np.histogram per member, as bristol 0.2.14 did). The phases
come sorted from bristol's sampler; the same phases shuffled within each row (as
``np.angle(np.linalg.eigvals(U))`` would give them) are timed too.
Writes benchmarks/results/spectral.json.
"""
import numpy as np
from threadpoolctl import threadpool_limits

from bristol.ensembles import circular_eigphases
from bristol.ergodicity import phase_bin_edges, thirumalai_mountain

from _common import best_time, table, write


def loop_tm(phases, delta):
    m, n = phases.shape
    edges = phase_bin_edges(delta)
    mean = np.histogram(phases.ravel(), bins=edges)[0] / m
    omega = np.zeros(mean.size)
    for row in phases:
        omega += (np.histogram(row, bins=edges)[0] - mean) ** 2
    return omega / m / n


def main():
    sorted_phases = circular_eigphases(1024, 2, size=40, random_state=0)
    shuffled = np.random.default_rng(1).permuted(sorted_phases, axis=1)
    rows, results = [], []
    for order, phases in (("sorted", sorted_phases), ("shuffled", shuffled)):
        for delta in (1e-4, 0.2):
            ours = thirumalai_mountain(phases, kind="phase", delta_rad=delta)
            assert np.allclose(loop_tm(phases, delta), ours, rtol=1e-12, atol=1e-15)
            t_loop = best_time(lambda: loop_tm(phases, delta), repeat=7)
            t_ours = best_time(lambda: thirumalai_mountain(phases, kind="phase", delta_rad=delta), repeat=7)
            results.append(dict(rows=order, delta_rad=delta, loop_s=t_loop, bristol_s=t_ours, speedup=t_loop / t_ours))
            rows.append((order, delta, f"{t_loop * 1e3:.2f}", f"{t_ours * 1e3:.2f}", f"{t_loop / t_ours:.1f}x"))
    print("\nThirumalai-Mountain metric, 40 x 1024 CUE eigenphases (ms)")
    table(rows, ("rows", "delta_rad", "loop", "bristol", "speedup"))
    write("spectral", dict(blas_threads=1, thirumalai_mountain=results))


if __name__ == "__main__":
    with threadpool_limits(limits=1):
        main()
