"""Shared helpers for the benchmark scripts: timing, machine facts, JSON output."""
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from threadpoolctl import threadpool_info

RESULTS = Path(__file__).parent / "results"


def sync(device):
    """Wait for queued work on a CUDA device (no-op for None / CPU); torch is imported only then."""
    if device is not None and str(device).startswith("cuda"):
        import torch

        torch.cuda.synchronize()


def timed(fn, device=None):
    """(fn(), wall seconds), synchronising ``device`` before and after."""
    sync(device)
    t0 = time.perf_counter()
    out = fn()
    sync(device)
    return out, time.perf_counter() - t0


def seeded_model(name):
    """torchvision model ``name`` with weights=None, initialised after torch.manual_seed(0)."""
    import torch
    import torchvision

    torch.manual_seed(0)
    return torchvision.models.get_model(name, weights=None)


def best_time(fn, repeat=3):
    """Smallest wall time of ``repeat`` calls (the machine is shared and noisy)."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def machine():
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cpus": os.cpu_count(),
        "blas": [{k: d.get(k) for k in ("internal_api", "num_threads", "version")} for d in threadpool_info()],
        "env_threads": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")},
    }


def write(name, payload):
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps({"machine": machine(), **payload}, indent=2))
    print(f"wrote {path}")


def table(rows, headers):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


#: The source of :class:`Launcher`'s process: ``python -c <argv...>`` for each JSON line it reads,
#: answered with the output and its own ``RUSAGE_CHILDREN`` peak.
_LAUNCHER = """
import json, resource, subprocess, sys
for line in sys.stdin:
    out = subprocess.run([sys.executable, "-c", *json.loads(line)], capture_output=True, text=True)
    print(json.dumps({"rc": out.returncode, "stdout": out.stdout, "stderr": out.stderr[-4000:],
                      "children_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}), flush=True)
"""


class Launcher:
    """Runs measured child processes from a small process started before anything heavy.

    Linux keeps a process's peak RSS across fork and exec, so a child started by a process that
    holds a model would report the model's memory as its own: start the launcher first, then
    :meth:`run` children that print one JSON line (their own ``ru_maxrss`` in it).
    """

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-c", _LAUNCHER], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True)

    def run(self, script, *argv):
        """The last JSON line the child ``python -c script *argv`` prints, with the launcher's
        ``RUSAGE_CHILDREN`` peak (``children_peak_kb``, the largest over the children so far)."""
        self.process.stdin.write(json.dumps([script, *map(str, argv)]) + "\n")
        self.process.stdin.flush()
        out = json.loads(self.process.stdout.readline())
        if out["rc"]:
            raise SystemExit(f"child failed:\n{out['stderr']}")
        return {**json.loads(out["stdout"].strip().splitlines()[-1]), "children_peak_kb": out["children_peak_kb"]}

    def close(self):
        self.process.stdin.close()
        self.process.wait()
