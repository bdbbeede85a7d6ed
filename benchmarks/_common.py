"""Shared helpers for the benchmark scripts: timing, machine facts, JSON output."""
import json
import os
import platform
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
