"""cPSE of torchvision models (weights=None, seeded): bristol against bristol 0.2.14, one run.

bristol 0.2.14 runs in a subprocess from a side folder (never installed next to bristol):

    pip install --no-deps --target /tmp/bristol0214 bristol==0.2.14
    python benchmarks/bench_cpse.py [--legacy-dir /tmp/bristol0214] [--models vgg11 resnet18 resnet50]

For each model it reports: bristol's cpse_measure time; the time of its own Gram matrices plus
symmetric eigen-solves alone (the floor for this definition); bristol 0.2.14's time; and the
ratios. Writes benchmarks/results/cpse.json. BLAS threads: as the environment sets them (printed).
"""
import argparse
import json
import subprocess
import sys
import time

import torch
import torchvision

from _common import table, write
from bristol import cPSE
from bristol.layers import extract_layer_matrices
from bristol.pse import gram_spectra

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


def model(name):
    torch.manual_seed(0)
    return getattr(torchvision.models, name)(weights=None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--legacy-dir", default="/tmp/bristol0214")
    parser.add_argument("--models", nargs="+", default=["vgg11", "resnet18", "resnet50"])
    args = parser.parse_args()
    rows, results = [], []
    for name in args.models:
        net = model(name)
        t0 = time.perf_counter()
        d, c = cPSE.cpse_measure(net)
        t_ours = time.perf_counter() - t0
        mats = [m.matrix for m in extract_layer_matrices(net)[0]]
        t0 = time.perf_counter()
        gram_spectra(mats, power=2)
        t_linalg = time.perf_counter() - t0
        t0 = time.perf_counter()
        d_leg, c_leg = cPSE.cpse_measure(net, legacy=True)
        t_ours_legacy = time.perf_counter() - t0
        out = subprocess.run([sys.executable, "-c", LEGACY_SCRIPT, args.legacy_dir, name], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"bristol 0.2.14 failed (is it in {args.legacy_dir}?):\n{out.stderr}")
        legacy = json.loads(out.stdout.strip().splitlines()[-1])
        assert c_leg == legacy["cpse"], (c_leg, legacy["cpse"])
        results.append(dict(model=name, layers=len(mats), bristol_s=t_ours, gram_eig_s=t_linalg,
                            bristol_legacy_mode_s=t_ours_legacy, bristol_0214_s=legacy["seconds"],
                            speedup_vs_0214=legacy["seconds"] / t_ours, overhead_vs_linalg=t_ours / t_linalg,
                            cpse=c, cpse_0214=legacy["cpse"]))
        rows.append((name, len(mats), f"{t_ours:.2f}", f"{t_linalg:.2f}", f"{t_ours / t_linalg:.2f}",
                     f"{legacy['seconds']:.2f}", f"{legacy['seconds'] / t_ours:.1f}x", f"{t_ours_legacy:.2f}",
                     f"{c:.4f}", f"{legacy['cpse']:.4f}"))
    print(f"\ncpse_measure, torchvision weights=None after torch.manual_seed(0); torch threads {torch.get_num_threads()}")
    table(rows, ("model", "layers", "bristol s", "gram+eig s", "ratio", "0.2.14 s", "speedup", "legacy mode s",
                 "cpse", "cpse 0.2.14"))
    write("cpse", dict(results=results, torch=torch.__version__, torchvision=torchvision.__version__,
                       torch_threads=torch.get_num_threads()))


if __name__ == "__main__":
    main()
