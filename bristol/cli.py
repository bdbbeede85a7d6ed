"""The ``bristol`` command line.

* ``bristol cpse MODEL`` -- cPSE of a torchvision model name or a saved module / state_dict
  (with ``--arch``): prints the per-layer table and cpse; ``--json`` / ``--csv`` write them,
  ``--plot FILE.png`` the d_layers curve; ``--legacy``, ``--device``, ``--weights``.
* ``bristol ensemble {CUE,COE,CSE} -N 1024 -M 40 --seed 1 --jobs 2 --out FILE.npz`` -- samples
  eigenphases of M matrices (chunked, reproducible for any ``--jobs``) and writes them with
  the seeds and chunk plan; ``--beta`` selects the circular beta-ensemble instead.

Errors in the arguments (unknown models, unreadable files, bad sizes) exit with status 2 and
a message.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

import numpy as np

__all__ = ["build_parser", "main"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bristol", description="bristol: random matrices, spectral ergodicity, cPSE")
    sub = parser.add_subparsers(dest="command", required=True)
    cp = sub.add_parser("cpse", help="cPSE of a deep network (needs the torch extra)")
    cp.add_argument("model", help="torchvision model name (e.g. resnet50) or a file saved with torch.save")
    cp.add_argument("--arch", help="torchvision model name to load a state_dict file into")
    cp.add_argument("--weights", default=None,
                    help="torchvision weights for a model name, e.g. DEFAULT (downloads: needs network); default: none")
    cp.add_argument("--seed", type=int, default=0, help="torch seed for randomly initialised models (default 0)")
    cp.add_argument("--legacy", action="store_true", help="reproduce bristol 0.2.14 exactly")
    cp.add_argument("--device", default=None, help="torch device for the linear algebra, e.g. cuda")
    cp.add_argument("--json", help="write the report as JSON")
    cp.add_argument("--csv", help="write the per-layer table as CSV")
    cp.add_argument("--plot", help="write the d_layers curve as PNG (needs matplotlib)")
    cp.add_argument("--input-shape", type=_positive_int, nargs="+", metavar="DIM",
                    help="take the layers in forward order: one forward pass on zeros of this shape, "
                         "e.g. --input-shape 1 3 224 224 (default: registration order)")
    cp.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    ens = sub.add_parser("ensemble", help="sample eigenphases of a circular ensemble")
    ens.add_argument("ensemble", nargs="?", type=str.upper, choices=["CUE", "COE", "CSE"], default="CUE")
    ens.add_argument("-N", type=_positive_int, required=True, help="matrix size (distinct eigenphases)")
    ens.add_argument("-M", type=_positive_int, required=True, help="number of matrices")
    ens.add_argument("--beta", type=_positive_float, help="Dyson index of a circular beta-ensemble (overrides ENSEMBLE)")
    ens.add_argument("--seed", type=int, default=None, help="root seed (default: fresh entropy, recorded in the file)")
    ens.add_argument("--chunk-size", type=_positive_int, default=None, help="matrices per chunk (default ceil(M/8))")
    ens.add_argument("--jobs", type=int, default=1, help="joblib workers (results do not depend on it)")
    ens.add_argument("--out", required=True, help="output .npz file")
    ens.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


def _run_ensemble(args: argparse.Namespace) -> int:
    from .ensembles import ENSEMBLE_BETA, circular_ensemble_eigphases

    if args.seed is not None and args.seed < 0:
        raise ValueError(f"--seed must be a non-negative integer, got {args.seed}")
    root = np.random.SeedSequence(args.seed)
    beta = args.beta if args.beta is not None else ENSEMBLE_BETA[args.ensemble]
    sample = circular_ensemble_eigphases(
        args.N, args.M, beta, chunk_size=args.chunk_size, random_state=root, n_jobs=args.jobs,
        progress=not args.no_progress,
    )
    meta = {
        "ensemble": args.ensemble if args.beta is None else None,
        "beta": beta,
        "N": args.N,
        "M": args.M,
        "root_entropy": str(root.entropy),
        "chunks": sample.plan.describe(),
    }
    np.savez(args.out, eigphases=sample.values, metadata=json.dumps(meta, default=str))
    print(f"wrote {args.M} x {args.N} eigenphases (beta = {beta:g}) to {args.out}")
    return 0


def _shape(shape) -> str:
    return "x".join(map(str, shape)) if shape else "-"


def _run_cpse(args: argparse.Namespace) -> int:
    import csv
    import warnings

    import torch

    from .cPSE import cpse_report, plot_d_layers

    torch.manual_seed(args.seed)
    weights = None if args.weights is None or args.weights.lower() == "none" else args.weights
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skipped layers are listed in the table below
        example = None if args.input_shape is None else torch.zeros(args.input_shape)
        report = cpse_report(args.model, weights=weights, arch=args.arch, legacy=args.legacy,
                             device=args.device, progress=not args.no_progress, example_input=example)
    rows = [(str(i), r.name or "(root)", r.layer_type.rsplit(".", 1)[-1].strip("'>"), _shape(r.weight_shape),
             _shape(r.matrix_shape), "-" if r.d_layer is None else f"{r.d_layer:.6g}", r.status)
            for i, r in enumerate(report.layers)]
    headers = ("#", "layer", "type", "weight", "matrix", "d_layer", "status")
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(headers)]
    for line in [headers] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))
    print(f"\ncpse = {report.cpse:.10g}  ({len(report.used)} layers, {len(report.d_layers)} d_layers"
          f"{', legacy 0.2.14' if args.legacy else ''})")
    if args.json:
        payload = {"model": str(args.model), "arch": args.arch, "weights": args.weights, "legacy": args.legacy,
                   "layer_order": "registration" if args.input_shape is None else f"forward on zeros{tuple(args.input_shape)}",
                   "cpse": report.cpse, "d_layers": report.d_layers.tolist(), "definition": report.definition,
                   "layers": report.to_records()}
        with open(args.json, "w") as fh:
            json.dump(payload, fh, indent=1, default=list)
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(report.to_records()[0]))
            writer.writeheader()
            writer.writerows(report.to_records())
    if args.plot:
        plot_d_layers(report, path=args.plot)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _run_cpse(args) if args.command == "cpse" else _run_ensemble(args)
    except ImportError as err:
        parser.exit(2, f"bristol: error: {err}\n")
    except (ValueError, TypeError, OSError, RuntimeError) as err:
        parser.exit(2, f"bristol: error: {err}\n")


if __name__ == "__main__":
    sys.exit(main())
