"""GPU timings at the scale of the open issues: one script, one run, JSON out.

    python benchmarks/gpu_scale.py --out gpu_scale.json [--device cuda] [--budget 420] [--quick]

(1) cPSE of a 7B-shaped bfloat16 Hugging Face folder (Llama-2-7B's shapes: hidden 4096,
    intermediate 11008, 32 layers, 32 heads, vocabulary 32000, untied head; random weights
    after torch.manual_seed(0), built on the device and written with ``save_pretrained``):
    (1a) the floor, each layer matrix already on the device in float64 (read and converted
    untimed), its Gram product and eigen-solve (synchronised), in a fresh process;
    (1b) ``cpse_report(folder, device=...)`` in a fresh process, after its imports: seconds, the
    process's peak RSS (imports apart) and the device's peak allocated memory.
(2) Eigenvalue counts of 40 members (beta = 2, the delta_rad = 0.2 phase grid, for the Gaussian
    ensemble 33 equal edges over 1.05 x the semicircle): torch on the device against the default
    CPU kernel of that machine (numba on all its cores where numba imports), N = 1e3, 1e4, ...
    while the estimated next step fits in the budget; the counts are checked equal.
(3) Probe (not a library path yet): the same recursions as one numba-cuda kernel, a thread per
    lane (member, edge) looping over k, compiled from the library's own step functions; timed
    against the CPU kernel and checked bit for bit, N = 1e5, 1e6, 1e7 while it fits.
Each part is skipped, and says so, when the time left (``--budget`` seconds from the start)
cannot hold it. ``--quick`` runs tiny shapes (to test the script on a CPU: ``--device cpu``).
The JSON is rewritten after each part, so a run stopped at its limit keeps what it measured.
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import Launcher, machine, timed  # noqa: E402

#: Started before anything heavy is imported (see _common.Launcher).
LAUNCHER = Launcher()

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from bench_counts import BETA, MEMBERS, bin_edges  # noqa: E402

from bristol.ensembles import _counts, circular_counts, gaussian_counts  # noqa: E402

LLAMA_7B = dict(hidden_size=4096, intermediate_size=11008, num_hidden_layers=32, num_attention_heads=32,
                num_key_value_heads=32, vocab_size=32000, tie_word_embeddings=False)
TINY = dict(hidden_size=64, intermediate_size=160, num_hidden_layers=2, num_attention_heads=4,
            num_key_value_heads=4, vocab_size=500, tie_word_embeddings=False)

#: (1b) in a fresh process: imports, then the timed cpse_report on the device.
REPORT = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
import torch, transformers
from bristol import cPSE
imports_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
device = sys.argv[3]
t0 = time.perf_counter()
report = cPSE.cpse_report(sys.argv[2], device=device)
seconds = time.perf_counter() - t0
gpu_peak = torch.cuda.max_memory_allocated() if device.startswith("cuda") else None
print(json.dumps({"seconds": seconds, "cpse": report.cpse, "layer_matrices": len(report.used),
                  "imports_kb": imports_kb, "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "device_peak_bytes": gpu_peak}))
"""

#: (1a) in a fresh process: each planned layer matrix read and put on the device in float64
#: (untimed), then its Gram product and eigen-solve timed with synchronisation.
FLOOR = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import torch
from bristol.cPSE._checkpoint import checkpoint_matrices
from bristol.cPSE._pse import smaller_gram
device = torch.device(sys.argv[3])
def sync():
    if device.type == "cuda":
        torch.cuda.synchronize()
matrices, _ = checkpoint_matrices(sys.argv[2])
total = 0.0
for m in matrices:
    x = torch.as_tensor(m.matrix.load()).to(device).double()[None]
    sync()
    t0 = time.perf_counter()
    torch.linalg.eigvalsh(smaller_gram(x, x.mH))
    sync()
    total += time.perf_counter() - t0
    del x
print(json.dumps({"seconds": total, "layer_matrices": len(matrices)}))
"""


def checkpoint_part(report, device, shape, folder):
    """(1): write the checkpoint, then (1a) and (1b) in fresh processes."""
    t0 = time.perf_counter()
    torch.manual_seed(0)
    torch.set_default_dtype(torch.bfloat16)  # built in bf16 on the device: no float32 copy
    with torch.device(device):
        model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**shape)).eval()
    torch.set_default_dtype(torch.float32)
    model.save_pretrained(folder)
    del model
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    part = report["checkpoint"] = dict(shape=shape, dtype="bfloat16", write_s=time.perf_counter() - t0,
                                       bytes=sum(p.stat().st_size for p in Path(folder).iterdir()))
    print(f"checkpoint written: {part['bytes'] / 2**30:.2f} GiB in {part['write_s']:.1f} s", flush=True)
    part["floor"] = LAUNCHER.run(FLOOR, ROOT, folder, device)
    print(f"(1a) Gram + eigen-solve on {device}: {part['floor']['seconds']:.1f} s", flush=True)
    part["report"] = LAUNCHER.run(REPORT, ROOT, folder, device)
    r = part["report"]
    print(f"(1b) cpse_report(folder, device={device!r}): {r['seconds']:.1f} s "
          f"({r['seconds'] / part['floor']['seconds']:.2f}x the floor), cpse {r['cpse']:.12f}, peak RSS "
          f"{r['peak_kb'] / 2**20:.2f} GiB (imports {r['imports_kb'] / 2**20:.2f} GiB), device peak "
          f"{(r['device_peak_bytes'] or 0) / 2**30:.2f} GiB", flush=True)


def _side_by_side(rows, label, sizes, deadline, on_device, key):
    """For each kind and N in ``sizes`` (while 12x the last time still fits before ``deadline``):
    the counts of MEMBERS members by ``on_device(fn, n, edges)`` (numpy counts) against the default
    CPU kernel ``fn(n, ...)``, timed side by side and checked equal; rows appended to ``rows``."""
    for kind, fn in (("circular", circular_counts), ("gaussian", gaussian_counts)):
        on_device(fn, 3, bin_edges(kind, 3))  # compile / initialise outside the timings
        fn(3, BETA, bin_edges(kind, 3), size=MEMBERS, random_state=0)
        last = None
        for n in sizes:
            if last is not None and time.perf_counter() + 12 * last > deadline:
                print(f"{label} {kind} N = {n}: skipped (budget)", flush=True)
                break
            edges = bin_edges(kind, n)
            on_dev, t_dev = timed(lambda: on_device(fn, n, edges))
            on_cpu, t_cpu = timed(lambda: fn(n, BETA, edges, size=MEMBERS, random_state=n))
            row = {"ensemble": kind, "N": n, key: t_dev, "cpu_s": t_cpu, "equal": bool(np.array_equal(on_dev, on_cpu))}
            rows.append(row)
            print(row, flush=True)
            last = t_dev + t_cpu


def counts_part(report, device, deadline, max_n):
    """(2): torch on the device against the default CPU kernel, N = 1e3, 1e4, ... while it fits."""
    report["counts_cpu_backend"] = "numba" if _counts._compiled() is not None else "numpy loop"
    sizes = [10**k for k in range(3, round(np.log10(max_n)) + 1)]
    _side_by_side(report.setdefault("counts", []), "torch", sizes, deadline,
                  lambda fn, n, edges: fn(n, BETA, edges, size=MEMBERS, random_state=n, device=device).cpu().numpy(),
                  "device_s")


def _cuda_kernels():
    """The Pruefer and Sturm recursions as numba-cuda kernels, one thread per lane, from the
    library's step functions (``_counts._compiled`` registers the scalar helpers)."""
    global cuda  # a module global, as numba's CUDA simulator expects (NUMBA_ENABLE_CUDASIM=1)
    if not hasattr(np, "row_stack"):  # numba-cuda 0.x still calls it; numpy 2.4 removed it
        np.row_stack = np.vstack
    from numba import cuda

    _counts._compiled()
    pruefer_step, sturm_step = _counts._pruefer_step, _counts._sturm_step

    @cuda.jit
    def pruefer(ar, ai, c, s, x, y, w):
        lane = cuda.grid(1)
        if lane < x.size:
            i, j = lane // x.shape[1], lane % x.shape[1]
            bx, by, bw, cj, sj = x[i, j], y[i, j], w[i, j], c[j], s[j]
            for k in range(ar.shape[1] - 1):
                bx, by, dw = pruefer_step(ar[i, k], ai[i, k], cj, sj, bx, by)
                bw += dw
            x[i, j], y[i, j], w[i, j] = bx, by, bw

    @cuda.jit
    def sturm(diag, off_sq, edges, pivmin, guard, count):
        lane = cuda.grid(1)
        if lane < count.size:
            i, j = lane // count.shape[1], lane % count.shape[1]
            d, bc = 1.0, count[i, j]
            for k in range(diag.shape[1]):
                d = sturm_step(diag[i, k], off_sq[i, k - 1] if k else 0.0, edges[j], pivmin[i, 0], guard[i, j], d)
                bc += d < 0
            count[i, j] = bc

    def run(kind, arrays, device):
        updated = 3 if kind == "pruefer" else 1
        on_gpu = [cuda.to_device(np.ascontiguousarray(a)) for a in arrays]
        lanes = arrays[-1].size
        (pruefer if kind == "pruefer" else sturm)[-(-lanes // 64), 64](*on_gpu)
        for a, t in zip(arrays[-updated:], on_gpu[-updated:]):
            a[...] = t.copy_to_host()

    return run


def cuda_probe_part(report, deadline, sizes):
    """(3): counts with the recursion in numba-cuda kernels against the CPU kernel."""
    run = _cuda_kernels()

    def on_gpu(fn, n, edges):
        real_run, _counts._run = _counts._run, run
        try:
            return fn(n, BETA, edges, size=MEMBERS, random_state=n)
        finally:
            _counts._run = real_run

    _side_by_side(report.setdefault("numba_cuda_probe", []), "probe", sizes, deadline, on_gpu, "numba_cuda_s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", default="gpu_scale.json")
    parser.add_argument("--budget", type=float, default=420.0, help="seconds for the whole run")
    parser.add_argument("--parts", default="checkpoint,probe,counts",
                        help="comma-separated parts to run: checkpoint (1), counts (2), probe (3)")
    parser.add_argument("--quick", action="store_true", help="tiny shapes (to test the script on a CPU)")
    args = parser.parse_args()
    deadline = time.perf_counter() + args.budget
    dev = args.device
    report = {"machine": machine(), "device": dev, "torch": torch.__version__,
              "transformers": transformers.__version__, "cpus_torch_threads": torch.get_num_threads(),
              "gpu": torch.cuda.get_device_name(0) if dev.startswith("cuda") else None}
    out = Path(args.out)
    parts = set(args.parts.split(","))
    with tempfile.TemporaryDirectory() as folder:
        try:
            if "checkpoint" in parts:
                checkpoint_part(report, dev, TINY if args.quick else LLAMA_7B, folder)
        except SystemExit as err:  # a child failed: keep its message, go on with the counts
            report["checkpoint_error"] = str(err)[-4000:]
            print(report["checkpoint_error"], flush=True)
    out.write_text(json.dumps(report, indent=1))
    if dev.startswith("cuda") and "probe" in parts:
        try:
            cuda_probe_part(report, deadline, sizes=[10**5, 10**6, 10**7])
        except Exception as err:  # a probe: record why it could not run, go on
            report["numba_cuda_probe_error"] = repr(err)[-4000:]
            print(report["numba_cuda_probe_error"], flush=True)
        out.write_text(json.dumps(report, indent=1))
    if "counts" in parts:
        counts_part(report, dev, deadline, max_n=10**4 if args.quick else 10**6)
    out.write_text(json.dumps(report, indent=1))
    LAUNCHER.close()
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
