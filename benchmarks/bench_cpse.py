"""cPSE of torchvision models (weights=None, seeded): bristol against bristol 0.2.14, one run.

bristol 0.2.14 runs in a subprocess from a side folder (never installed next to bristol):

    pip install --no-deps --target /tmp/bristol0214 bristol==0.2.14
    python benchmarks/bench_cpse.py [--legacy-dir /tmp/bristol0214] [--models vgg11 resnet18 resnet50]
                                    [--device cuda] [--no-legacy-mode] [--out NAME]

For each model it reports: bristol's cpse_measure time; the time of its own Gram matrices plus
symmetric eigen-solves alone (the floor for this definition); bristol 0.2.14's time; and the
ratios. With ``--device`` the same is measured once more with the model and the linear algebra
on that device (after one warm-up call that initialises the device libraries), next to the CPU
numbers of the same run (``--model-on-cpu``: the model stays on the CPU and its weights cross
to the device inside the timed call). bristol's times are the best of two calls; bristol 0.2.14 runs once, in
a fresh process. Writes benchmarks/results/<NAME>.json (default cpse). Threads: as the
environment sets them (printed and recorded).
"""
import argparse
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

from bristol import cPSE  # noqa: E402
from bristol.layers import extract_layer_matrices  # noqa: E402
from bristol.pse import gram_spectra  # noqa: E402

from _common import seeded_model, table, timed, write  # noqa: E402

LEGACY_SCRIPT = """
import contextlib, io, json, sys, time
sys.path.insert(0, sys.argv[1])
import torch, torchvision
from bristol import cPSE
assert cPSE.__file__.startswith(sys.argv[1])
torch.manual_seed(0)
model = getattr(torchvision.models, sys.argv[2])(weights=None)
t0 = time.perf_counter()
with contextlib.redirect_stdout(io.StringIO()):
    d, c = cPSE.cpse_measure(model)
print(json.dumps({"seconds": time.perf_counter() - t0, "cpse": float(c)}))
"""


def measure(net, device, repeat=2, move=True):
    """(cpse_measure seconds, (d, cpse), Gram + eigen-solve seconds) with the linear algebra on
    ``device`` and the model moved there first (``move``; else its weights cross inside the
    timed call); each time the best of ``repeat`` calls (the first pays one-off costs:
    allocations, library start-up)."""
    net = net.to(device) if device is not None and move else net
    runs = [timed(lambda: cPSE.cpse_measure(net, device=device), device) for _ in range(repeat)]
    mats = [m.matrix for m in extract_layer_matrices(net)[0]]
    solver = cPSE._report._solver(device)
    t_linalg = min(timed(lambda: gram_spectra(mats, power=2, solver=solver), device)[1] for _ in range(repeat))
    return min(t for _, t in runs), runs[0][0], t_linalg


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--legacy-dir", default="/tmp/bristol0214")
    parser.add_argument("--models", nargs="+", default=["vgg11", "resnet18", "resnet50"])
    parser.add_argument("--device", default=None, help="also measure with the model and linear algebra on this device")
    parser.add_argument("--model-on-cpu", action="store_true",
                        help="with --device: keep the model on the CPU, so the weights cross inside the timed call")
    parser.add_argument("--no-legacy-mode", action="store_true", help="skip timing bristol's legacy=True mode")
    parser.add_argument("--out", default="cpse", help="name of the JSON file in benchmarks/results")
    args = parser.parse_args()
    if args.device is not None:  # warm-up: device context, cuBLAS and cuSOLVER handles
        cPSE.cpse_measure_vanilla(list(np.random.default_rng(0).standard_normal((3, 8, 8))), device=args.device)
    rows, results = [], []
    for name in args.models:
        net = seeded_model(name)
        t_ours, (d, c), t_linalg = measure(net, None)
        entry = dict(model=name, layers=len(d) + 2, bristol_s=t_ours, gram_eig_s=t_linalg, cpse=c)
        if not args.no_legacy_mode:
            (d_leg, c_leg), t_ours_legacy = timed(lambda: cPSE.cpse_measure(net, legacy=True))
            entry["bristol_legacy_mode_s"] = t_ours_legacy
        out = subprocess.run([sys.executable, "-c", LEGACY_SCRIPT, args.legacy_dir, name],
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"bristol 0.2.14 failed (is it in {args.legacy_dir}?):\n{out.stderr}")
        legacy = json.loads(out.stdout.strip().splitlines()[-1])
        if not args.no_legacy_mode:
            assert c_leg == legacy["cpse"], (c_leg, legacy["cpse"])
        entry.update(bristol_0214_s=legacy["seconds"], cpse_0214=legacy["cpse"],
                     speedup_vs_0214=legacy["seconds"] / t_ours, overhead_vs_linalg=t_ours / t_linalg)
        rows.append((name, "cpu", entry["layers"], f"{t_ours:.2f}", f"{t_linalg:.2f}", f"{t_ours / t_linalg:.2f}",
                     f"{legacy['seconds']:.2f}", f"{legacy['seconds'] / t_ours:.1f}x", f"{c:.6f}",
                     f"{legacy['cpse']:.6f}"))
        if args.device is not None:
            t_dev, (d_dev, c_dev), t_linalg_dev = measure(seeded_model(name), args.device, move=not args.model_on_cpu)
            assert np.allclose(d_dev, d, rtol=1e-6), "device and CPU d_layers differ"
            entry.update(device=args.device, model_on_device=not args.model_on_cpu, device_s=t_dev,
                         device_gram_eig_s=t_linalg_dev, device_cpse=c_dev,
                         device_speedup_vs_0214=legacy["seconds"] / t_dev,
                         device_overhead_vs_linalg=t_dev / t_linalg_dev)
            rows.append((name, args.device, entry["layers"], f"{t_dev:.2f}", f"{t_linalg_dev:.2f}",
                         f"{t_dev / t_linalg_dev:.2f}", f"{legacy['seconds']:.2f}",
                         f"{legacy['seconds'] / t_dev:.1f}x", f"{c_dev:.6f}", f"{legacy['cpse']:.6f}"))
        results.append(entry)
    print("\ncpse_measure, torchvision weights=None after torch.manual_seed(0); "
          f"torch threads {torch.get_num_threads()}")
    table(rows, ("model", "device", "layers", "bristol s", "gram+eig s", "ratio", "0.2.14 s", "speedup", "cpse",
                 "cpse 0.2.14"))
    extra = dict(device_name=torch.cuda.get_device_name(0)) if args.device and args.device.startswith("cuda") else {}
    write(args.out, dict(results=results, torch=torch.__version__, torchvision=torchvision.__version__,
                         torch_threads=torch.get_num_threads(), **extra))


if __name__ == "__main__":
    main()
