"""Large-N circular-ensemble eigenphases on one core: the two-list path against one list + Pruefer counts.

For each N, one CbetaE matrix (beta = 2, random_state = 3) is solved twice in the same process:
"two lists" (two banded Hermitian solves, the path without numba) and "one list" (one banded
solve, the sides and the refinement near the direction from Pruefer-phase counts compiled with
numba, bristol.ensembles._cmv_pruefer). Prints a table (CPU seconds of the process, wall seconds
beside, their ratio, the largest difference of the phases, the N^2-extrapolation to N = 1e5) and
writes benchmarks/results/cmv_large.json.
Everything runs on one thread (OMP/OPENBLAS/MKL/NUMBA threads = 1); the load average is recorded
(the machine is shared).
Usage: python benchmarks/bench_cmv_large.py [--quick] [--sizes 10000,30000,100000]
"""
import os
import sys

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

import time  # noqa: E402

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from bristol.ensembles import _cmv, circular_eigphases  # noqa: E402

from _common import table, write  # noqa: E402


def solve(n, one_list):
    """Wall seconds, CPU seconds of this process and phases of circular_eigphases(n, 2,
    random_state=3) on the chosen path (one thread: the CPU time is the single-core cost even
    when other jobs share the core)."""
    solver = _cmv._one_list_solver
    if not one_list:
        _cmv._one_list_solver = lambda: None
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        theta = circular_eigphases(n, 2.0, random_state=3)
        return time.perf_counter() - t0, time.process_time() - c0, theta
    finally:
        _cmv._one_list_solver = solver


def main(sizes):
    if _cmv._one_list_solver() is None:
        sys.exit("numba is not installed: the one-list path is not taken (pip install 'bristol[fast]')")
    solve(300, True)  # compile (or load) the numba kernel outside the timings
    rows, records = [], []
    for n in sizes:
        load = os.getloadavg()[0]
        w_two, c_two, two = solve(n, False)
        w_one, c_one, one = solve(n, True)
        diff = float(np.abs(np.angle(np.exp(1j * (one - two)))).max())
        scale = (1e5 / n) ** 2
        records.append(dict(N=n, two_lists_wall_s=w_two, one_list_wall_s=w_one, two_lists_cpu_s=c_two,
                            one_list_cpu_s=c_one, cpu_ratio=c_one / c_two, max_abs_diff=diff,
                            extrapolated_1e5_two_cpu_s=c_two * scale, extrapolated_1e5_one_cpu_s=c_one * scale,
                            load_before=load, load_after=os.getloadavg()[0]))
        rows.append((n, f"{c_two:.2f}", f"{c_one:.2f}", f"{c_one / c_two:.3f}", f"{w_two:.1f}", f"{w_one:.1f}",
                     f"{diff:.1e}", f"{c_two * scale:.0f}", f"{c_one * scale:.0f}", f"{load:.1f}"))
        print("done", rows[-1], flush=True)
    print("\nCbetaE eigenphases (beta = 2), one matrix, one thread")
    table(rows, ("N", "two lists cpu s", "one list cpu s", "ratio", "two wall s", "one wall s", "max |diff|",
                 "two @1e5", "one @1e5", "load"))
    write("cmv_large", dict(threads=1, beta=2.0, random_state=3, results=records))


if __name__ == "__main__":
    argv = sys.argv[1:]
    chosen = (2000, 5000) if "--quick" in argv else (10000, 30000)
    if "--sizes" in argv:
        chosen = tuple(int(v) for v in argv[argv.index("--sizes") + 1].split(","))
    with threadpool_limits(limits=1):
        main(chosen)
