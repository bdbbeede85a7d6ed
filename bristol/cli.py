"""The ``bristol`` command line.

* ``bristol cpse MODEL`` -- cPSE of a torchvision model name or a checkpoint read tensor by
  tensor: a ``.safetensors`` file, a sharded ``model.safetensors.index.json`` (or its
  folder), a Hugging Face model folder, a ``torch.save`` state_dict; ``--arch`` names the
  model definition (a torchvision or timm name, or a Hugging Face folder); a whole module
  saved with ``torch.save`` only with ``--allow-pickle``, which executes code from the
  file. Prints the per-layer table and cpse; ``--json`` /
  ``--csv`` write them, ``--plot FILE.png`` the d_layers curve; ``--legacy``, ``--device``,
  ``--weights``, ``--input-shape``; ``--baseline N`` adds the random-matrix baseline (N draws
  seeded by ``--seed``): its mean and std per d_l and for cpse, and the model's z-scores, in the
  table, the JSON, the CSV and the plot.
* ``bristol ensemble {CUE,COE,CSE} -N 1024 -M 40 --seed 1 --jobs 2 --out FILE`` -- samples
  eigenphases of M matrices (chunked, reproducible for any ``--jobs``) and writes them, with
  the seeds and chunk plan, as an ``.npz`` archive to exactly the path given; ``--beta``
  selects the circular beta-ensemble instead of ENSEMBLE. ``LAGUERRE --m M`` and
  ``JACOBI --m1 M1 --m2 M2`` sample the eigenvalues of the Laguerre (Wishart) and Jacobi
  (MANOVA) beta-ensembles instead (``--beta``, default 1, is then their Dyson index).

Promises: every error in the arguments exits with status 2 and one line
``bristol: error: ...`` naming the flag; an argument that would be ignored is such an error.
Outputs are checked before the computation (their folder exists and is writable, no output is
a folder, the input model file or another output), so the input is never written over; the
paths written are printed. Sizes that cannot fit in the available memory are refused before
allocating. Warnings (skipped layers, modules that never ran, d_l = 0) reach stderr, one line
each. A bug (any other exception) shows its traceback and exits with status 1.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import warnings
from typing import Callable, NoReturn

import numpy as np

from ._validation import check_memory

__all__ = ["build_parser", "main"]

#: Keyword arguments of the library and the flags that set them, to reword library messages.
_FLAGS = {"allow_pickle": "--allow-pickle", "example_input": "--input-shape", "arch": "--arch",
          "weights": "--weights", "device": "--device", "legacy": "--legacy", "n_jobs": "--jobs",
          "chunk_size": "--chunk-size", "random_state": "--seed", "include": "--include", "exclude": "--exclude"}
_MAX_MESSAGE = 500  # characters of one error line (a state_dict mismatch lists every key)


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``bristol: error: MESSAGE``, exit status 2."""

    def error(self, message: str) -> NoReturn:
        _fail(message)


def _fail(message: str) -> NoReturn:
    """Print ``bristol: error: MESSAGE`` on one line of stderr and exit with status 2."""
    line = " ".join(_flag_words(message).split())
    if len(line) > _MAX_MESSAGE:
        line = line[:_MAX_MESSAGE] + " ..."
    sys.stderr.write(f"bristol: error: {line}\n")
    raise SystemExit(2)


def _flag_words(message: str) -> str:
    """Reword a library message for the command line: ``arch=`` -> ``--arch``,
    ``allow_pickle=True`` -> ``--allow-pickle``, ``example_input`` -> ``--input-shape``, ...;
    the library's own hints for command-line users, "(--flag)" or "(--flag on the command
    line)", are dropped, since the keyword itself becomes the flag."""
    message = re.sub(r"\s*\(--[\w-]+(?: on the command line)?\)", "", message)
    for keyword, flag in _FLAGS.items():
        message = re.sub(rf"(?<![\w-]){keyword}=True\b", flag, message)
        message = re.sub(rf"(?<![\w-]){keyword}=\s?", f"{flag} ", message)
        bare = rf"(?<![\w-]){keyword}\b" if "_" in keyword else rf"^{keyword}\b"
        message = re.sub(bare, flag, message)
    return message


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings on stderr as one line each: ``bristol: warning: MESSAGE``."""
    sys.stderr.write(f"bristol: warning: {' '.join(str(message).split())}\n")


def _int_argument(expected: str, accept: Callable[[int], bool]) -> Callable[[str], int]:
    """An argparse ``type``: the integer in the text, if ``accept`` takes it."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value

    return parse


_positive_int = _int_argument("a positive integer", lambda value: value >= 1)
_nonnegative_int = _int_argument("a non-negative integer", lambda value: value >= 0)
#: joblib's n_jobs: a positive count, or -1 for all cores, -2 for all but one, ...
_jobs = _int_argument("a non-zero integer (-1: all cores)", lambda value: value != 0)
_torch_seed = _int_argument("an integer from 0 to 2**64 - 1", lambda value: 0 <= value < 2**64)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``bristol``, with the subcommands ``cpse`` and ``ensemble``.

    Returns
    -------
    argparse.ArgumentParser
        A parser whose errors exit with status 2 and one line ``bristol: error: ...``.

    Examples
    --------
    >>> args = build_parser().parse_args(["ensemble", "COE", "-N", "8", "-M", "4", "--out", "x.npz"])
    >>> args.command, args.ensemble, args.N, args.M, args.no_progress
    ('ensemble', 'COE', 8, 4, False)
    """
    parser = _Parser(prog="bristol", description="bristol: random matrices, spectral ergodicity, cPSE")
    sub = parser.add_subparsers(dest="command", required=True)
    cp = sub.add_parser("cpse", help="cPSE of a deep network (needs the torch extra)")
    cp.add_argument("model", help="torchvision model name (e.g. resnet50), or a checkpoint read tensor by tensor: "
                                  "a .safetensors file, a model.safetensors.index.json or its folder, a Hugging Face "
                                  "model folder (config.json + weights), a state_dict saved with torch.save")
    cp.add_argument("--arch", help="the model definition of a checkpoint (only for a file or folder): a torchvision "
                                   "or timm model name, or a Hugging Face model folder with config.json; default: "
                                   "the folder's config.json, else the tensors in natural order of their names")
    cp.add_argument("--allow-pickle", action="store_true",
                    help="load a file that needs full unpickling (a whole module saved with torch.save(model)): "
                         "this EXECUTES CODE from the file, use it only for files you trust (default: refused; "
                         "state_dicts load without it)")
    cp.add_argument("--weights", default=None,
                    help="torchvision weights for a model name, e.g. DEFAULT (downloads: needs network); "
                         "default: none (random init)")
    cp.add_argument("--seed", type=_torch_seed, default=None,
                    help="torch seed for a randomly initialised model name (default 0), and the seed of the "
                         "--baseline draws (default: fresh entropy, recorded in the JSON)")
    cp.add_argument("--baseline", type=_int_argument("an integer >= 2", lambda value: value >= 2), default=None,
                    metavar="N",
                    help="compare with N draws of i.i.d. Gaussian layers of the model's shapes and weight "
                         "variances (sigma^4 spectra from the Laguerre model): mean, std and z-scores")
    cp.add_argument("--legacy", action="store_true", help="reproduce bristol 0.2.14 exactly (on the CPU)")
    cp.add_argument("--device", default=None, help="torch device for the linear algebra, e.g. cuda")
    cp.add_argument("--json", help="write the report as JSON (strict: a non-finite cpse is null with a reason)")
    cp.add_argument("--csv", help="write the per-layer table as CSV")
    cp.add_argument("--plot", help="write the d_layers curve to FILE.png (or .pdf, .svg, ...; needs matplotlib)")
    cp.add_argument("--input-shape", type=_positive_int, nargs="+", metavar="DIM",
                    help="take the layers in forward order: one forward pass on zeros of this shape, "
                         "e.g. --input-shape 1 3 224 224 (default: registration order)")
    cp.add_argument("--include", action="append", metavar="PATTERN",
                    help="keep only the layer matrices whose name or module name matches PATTERN (wildcards * and "
                         "?, brackets literal, e.g. 'transformer.h.*'); repeatable")
    cp.add_argument("--exclude", action="append", metavar="PATTERN",
                    help="drop the layer matrices whose name or module name matches PATTERN, e.g. lm_head; repeatable")
    cp.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    ens = sub.add_parser("ensemble", help="sample eigenphases of a circular ensemble, or eigenvalues of a "
                                          "Laguerre or Jacobi beta-ensemble")
    ens.add_argument("ensemble", nargs="?", type=str.upper, choices=["CUE", "COE", "CSE", *_DOF_FLAGS],
                     default=None, help="the ensemble (default CUE); a circular one not with --beta")
    ens.add_argument("-N", type=_positive_int, required=True, help="matrix size (distinct eigenvalues)")
    ens.add_argument("-M", type=_positive_int, required=True, help="number of matrices")
    ens.add_argument("--beta", type=_positive_float,
                     help="Dyson index: of a circular beta-ensemble (instead of CUE, COE, CSE), or of LAGUERRE "
                          "and JACOBI (any beta > 0, default 1)")
    ens.add_argument("--m", type=_positive_float, help="LAGUERRE: degrees of freedom m > N - 1 (columns of G)")
    ens.add_argument("--m1", type=_positive_float, help="JACOBI: degrees of freedom m1 > N - 1 of A")
    ens.add_argument("--m2", type=_positive_float, help="JACOBI: degrees of freedom m2 > N - 1 of B")
    ens.add_argument("--seed", type=_nonnegative_int, default=None,
                     help="root seed (default: fresh entropy, recorded in the file)")
    ens.add_argument("--chunk-size", type=_positive_int, default=None, help="matrices per chunk (default ceil(M/8))")
    ens.add_argument("--jobs", type=_jobs, default=1,
                     help="joblib workers: a positive count, or -1 for all cores (results do not depend on it)")
    ens.add_argument("--out", required=True, help="output file, written as an .npz archive under exactly this name")
    ens.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    return parser


# --- checks made before any computation -------------------------------------------------------

def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: equal resolved paths, or (both existing) the same inode."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)


def _check_outputs(outputs: dict[str, str | None], inputs: dict[str, str]) -> None:
    """Refuse outputs that are a folder, lie in a missing or read-only folder, or name the
    same file as an input or another output (``outputs`` and ``inputs``: label -> path)."""
    seen = dict(inputs)
    for flag, path in outputs.items():
        if path is None:
            continue
        for label, other in seen.items():
            if _same_file(path, other):
                raise ValueError(f"{flag} {path} is the same file as {label} {other}: refusing to write over it")
        if os.path.isdir(path):
            raise ValueError(f"{flag} {path} is a folder: expected a file name")
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(f"{flag} {path}: no such folder {folder}")
        target = path if os.path.exists(path) else folder
        if not os.access(target, os.W_OK):
            raise ValueError(f"{flag} {path}: {target} is not writable")
        seen[flag] = path


# --- bristol cpse ------------------------------------------------------------------------------

def _torch_modules():
    """(torch, torchvision), or an ImportError with the install hint (torch through
    :func:`bristol._torch.require_torch`, the one place bristol looks for it)."""
    from ._torch import INSTALL_HINT, require_torch

    torch = require_torch("bristol cpse")
    try:
        import torchvision
    except ImportError as err:
        raise ImportError(f"bristol cpse needs torchvision: {INSTALL_HINT} ({err})") from err
    return torch, torchvision


def _check_plot(path: str) -> None:
    """--plot needs matplotlib and a file name whose suffix names a format matplotlib writes."""
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError as err:
        raise ImportError("--plot needs matplotlib: pip install 'bristol[plot]'") from err
    formats = FigureCanvasBase.get_supported_filetypes()
    suffix = os.path.splitext(path)[1].lstrip(".").lower()
    if suffix not in formats:
        raise ValueError(f"--plot {path}: the file name must end in an image format ({', '.join(sorted(formats))})")


def _check_cpse_flags(args: argparse.Namespace, torch, torchvision) -> None:
    """Refuse flags that would be ignored and values the library would fail on late."""
    names = torchvision.models.list_models()
    if args.model in names:
        for flag, value in (("--arch", args.arch), ("--allow-pickle", args.allow_pickle or None)):
            if value is not None:
                raise ValueError(f"{flag} applies only to a model file; {args.model} is a torchvision model name")
        if args.weights is not None and args.weights.lower() != "none":
            try:
                torchvision.models.get_model_weights(args.model).verify(args.weights)
            except KeyError:
                choices = list(torchvision.models.get_model_weights(args.model).__members__)
                raise ValueError(f"--weights {args.weights}: {args.model} has the weights {', '.join(choices)} "
                                 "(or none)") from None
            if args.seed is not None and args.baseline is None:
                raise ValueError("--seed applies only to a randomly initialised model (no --weights) or to --baseline")
    else:
        if args.weights is not None:
            raise ValueError(f"--weights applies only to a torchvision model name; {args.model} is not one")
        if args.seed is not None and args.baseline is None:
            raise ValueError(f"--seed applies only to a torchvision model name or to --baseline; {args.model} is "
                             "not a model name")
        if args.arch is not None:
            _check_arch(args.arch, names)
    if args.device is not None:
        _check_device(args.device, torch)
    if args.input_shape is not None:
        check_memory(f"--input-shape {' '.join(map(str, args.input_shape))} (a float32 tensor of zeros)",
                           4 * math.prod(args.input_shape))


def _check_arch(arch: str, torchvision_names: list[str]) -> None:
    """--arch must be a torchvision or timm model name or a folder with config.json."""
    from .cPSE._loading import _timm

    timm = _timm()
    if arch in torchvision_names or os.path.isfile(os.path.join(arch, "config.json")) or \
            (timm is not None and timm.is_model(arch)):
        return
    raise ValueError(f"--arch must be a torchvision model name ({', '.join(torchvision_names[:6])}, ...), a timm "
                     f"model name{'' if timm is not None else ' (timm is not installed)'} or a Hugging Face model "
                     f"folder with config.json, got {arch!r}")


def _check_device(device: str, torch) -> None:
    """--device must name a torch device of this machine that holds data (one float is
    placed there to find out)."""
    from ._torch import resolve_device

    try:
        dev = resolve_device(device)
    except RuntimeError as err:  # resolve_device's "needs CUDA, but ... is False on this machine"
        raise ValueError(str(err)) from None
    if dev.type == "meta":
        raise ValueError("--device meta holds no data: name a device that computes, such as cpu or cuda")
    try:
        torch.zeros(1, device=dev)
    except RuntimeError as err:  # an index beyond the devices present, a backend not built in
        raise ValueError(f"--device {device} cannot be used on this machine: {err}") from None


def _load_model(args: argparse.Namespace, torch):
    """The module named by MODEL, --arch and --weights (--allow-pickle to unpickle a file); or
    MODEL itself, a checkpoint that cPSE reads tensor by tensor (--legacy and --input-shape
    need the model in memory: a torch.save file is then loaded into --arch)."""
    from .cPSE import resolve_model
    from .cPSE._checkpoint import is_checkpoint_path, is_torch_file

    in_memory = args.legacy or args.input_shape is not None
    if is_checkpoint_path(args.model) and not (in_memory and is_torch_file(args.model)):
        return args.model  # cpse_report refuses --legacy / --input-shape for a file it cannot load whole
    torch.manual_seed(0 if args.seed is None else args.seed)
    weights = None if args.weights is None or args.weights.lower() == "none" else args.weights
    return resolve_model(args.model, weights=weights, arch=args.arch, allow_pickle=args.allow_pickle)


def _shape(shape) -> str:
    return "x".join(map(str, shape)) if shape else "-"


def _finite_or_none(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _cpse_reason(report) -> str | None:
    """Why the cpse of ``report`` is not a finite number (None when it is)."""
    if math.isfinite(report.cpse):
        return None
    zero = (np.flatnonzero(report.d_layers == 0) + 1).tolist()
    if zero:
        return (f"cpse = mean log10 d_l is -inf: d_l = 0 at l = {zero} "
                "(identical metrics of consecutive layer ensembles)")
    return f"cpse is {report.cpse}: d_layers holds non-finite values"


def _json_payload(args: argparse.Namespace, report) -> str:
    """The report as strict JSON: non-finite numbers become null (with ``cpse_reason``)."""
    records = report.to_records()
    for rec in records:
        rec["d_layer"] = _finite_or_none(rec["d_layer"])
    payload = {"model": str(args.model), "arch": args.arch, "weights": args.weights, "legacy": args.legacy,
               "layer_order": ("registration" if args.input_shape is None
                               else f"forward on zeros{tuple(args.input_shape)}"),
               "cpse": _finite_or_none(report.cpse), "d_layers": [_finite_or_none(float(d)) for d in report.d_layers],
               "definition": report.definition, "layers": records}
    reason = _cpse_reason(report)
    if reason is not None:
        payload["cpse_reason"] = reason
    if report.baseline is not None:
        payload["baseline"] = _finite_or_none_all(report.baseline.to_dict(report))
    return json.dumps(payload, indent=1, default=list, allow_nan=False)


def _finite_or_none_all(value):
    """``value`` (nested dicts and lists) with every non-finite float replaced by None."""
    if isinstance(value, dict):
        return {k: _finite_or_none_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_none_all(v) for v in value]
    return _finite_or_none(value) if isinstance(value, float) else value


def _run_cpse(args: argparse.Namespace) -> int:
    import csv

    if args.legacy:
        for flag, value in (("--device", args.device), ("--input-shape", args.input_shape),
                            ("--baseline", args.baseline)):
            if value is not None:
                raise ValueError(f"--legacy cannot be combined with {flag}: it reproduces bristol 0.2.14 "
                                 "(numpy on the CPU, layers in registration order)")
    inputs = {"the model file": args.model} if os.path.exists(args.model) else {}
    _check_outputs({"--json": args.json, "--csv": args.csv, "--plot": args.plot}, inputs)
    if args.plot:
        _check_plot(args.plot)
    torch, torchvision = _torch_modules()
    _check_cpse_flags(args, torch, torchvision)
    net = _load_model(args, torch)

    from .cPSE import cpse_report, plot_d_layers

    example = None if args.input_shape is None else torch.zeros(args.input_shape)
    streamed = {"arch": args.arch, "allow_pickle": args.allow_pickle} if isinstance(net, str) else {}
    report = cpse_report(net, legacy=args.legacy, device=args.device, verbose=0 if args.no_progress else 1,
                         example_input=example, include=args.include, exclude=args.exclude, baseline=args.baseline,
                         random_state=None if args.baseline is None else np.random.SeedSequence(args.seed),
                         **streamed)
    rows: list[tuple[str, ...]] = [
        (str(i), r.name or "(root)", r.layer_type.rsplit(".", 1)[-1].strip("'>"), _shape(r.weight_shape),
         _shape(r.matrix_shape), "-" if r.d_layer is None else f"{r.d_layer:.6g}", r.status)
        for i, r in enumerate(report.layers)]
    headers: tuple[str, ...] = ("#", "layer", "type", "weight", "matrix", "d_layer", "status")
    if report.baseline is not None:
        headers += ("baseline mean ± std", "z")
        records = report.to_records()
        rows = [row + (("-", "-") if rec["d_layer_z"] is None else
                       (f"{rec['d_layer_baseline_mean']:.4g} ± {rec['d_layer_baseline_std']:.2g}",
                        f"{rec['d_layer_z']:.2f}")) for row, rec in zip(rows, records)]
    widths = [max(len(h), *(len(r[k]) for r in rows)) for k, h in enumerate(headers)]
    for line in [headers] + rows:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths)))
    print(f"\ncpse = {report.cpse:.10g}  ({len(report.used)} layers, {len(report.d_layers)} d_layers"
          f"{', legacy 0.2.14' if args.legacy else ''})")
    if report.baseline is not None:
        base = report.baseline
        print(f"baseline cpse = {base.cpse_mean:.6g} ± {base.cpse_std:.3g} ({base.n_draws} draws, seed entropy "
              f"{base.seeds[0]['entropy']}), z = {report.zscores.cpse:.3f}")
    if args.json:
        text = _json_payload(args, report)
        with open(args.json, "w") as fh:
            fh.write(text)
        print(f"wrote the report (JSON) to {args.json}")
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(report.to_records()[0]))
            writer.writeheader()
            writer.writerows({**r, "shared_with": ";".join(r["shared_with"])} for r in report.to_records())
        print(f"wrote the layer table (CSV) to {args.csv}")
    if args.plot:
        plot_d_layers(report, path=args.plot)
        print(f"wrote the d_layers plot to {args.plot}")
    return 0


# --- bristol ensemble --------------------------------------------------------------------------

#: The degrees-of-freedom flags each eigenvalue ensemble needs (the circular ones take none).
_DOF_FLAGS = {"LAGUERRE": ("m",), "JACOBI": ("m1", "m2")}


def _ensemble_bytes(n: int, m: int, chunk_size: int, workers: int, per_matrix: int) -> int:
    """Peak bytes of ``bristol ensemble``: the (M, N) float64 result twice (the chunks and
    their concatenation), 2 KiB per chunk (its seed, plan entry and task), plus the sampler's
    working memory, ``per_matrix`` bytes per matrix, for ``workers`` chunks at once."""
    from .parallel import _CHUNK_BYTES

    return 2 * 8 * m * n + _CHUNK_BYTES * math.ceil(m / chunk_size) + workers * chunk_size * per_matrix


def _matrix_bytes(kind: str, n: int) -> int:
    """Working bytes per matrix of the sampler of ``kind``: for the circular ensembles about 256 N
    on the banded path and 32 N^2 more where matrices up to ``DENSE_MAX_N`` are diagonalised
    densely; for LAGUERRE and JACOBI the work arrays of their bidiagonal models."""
    from .ensembles._cmv import DENSE_MAX_N
    from .ensembles._jacobi import _JACOBI_WORK_ARRAYS
    from .ensembles._laguerre import _BIDIAGONAL_WORK_ARRAYS

    if kind == "LAGUERRE":
        return 8 * _BIDIAGONAL_WORK_ARRAYS * n
    if kind == "JACOBI":
        return 8 * _JACOBI_WORK_ARRAYS * n
    return 256 * n + (32 * n * n if n <= DENSE_MAX_N else 0)


def _check_dof_flags(args: argparse.Namespace, kind: str) -> dict[str, float]:
    """The degrees of freedom (``{"m": ...}`` or ``{"m1": ..., "m2": ...}``) that ``kind`` needs, each
    > N - 1 with beta times their sum at most 1e300; the flags of another ensemble are refused."""
    from .ensembles._gaussian import MAX_BETA_DOF

    needed = _DOF_FLAGS.get(kind, ())
    dof: dict[str, float] = {}
    for name in ("m", "m1", "m2"):
        value = getattr(args, name)
        if name not in needed:
            if value is not None:
                owner = next(k for k, flags in _DOF_FLAGS.items() if name in flags)
                raise ValueError(f"--{name} applies only to {owner}, not to {kind}")
            continue
        if value is None:
            raise ValueError(f"{kind} needs --{name}")
        if not value > args.N - 1:
            raise ValueError(f"--{name} must be larger than -N - 1 = {args.N - 1}, got {value:g}")
        dof[name] = value
    if dof and (args.beta or 1.0) * sum(dof.values()) > MAX_BETA_DOF:
        raise ValueError(f"--beta times {' + '.join('--' + k for k in dof)} must be at most {MAX_BETA_DOF:g} "
                         "(the parameters of the bidiagonal model overflow beyond)")
    return dof


def _run_ensemble(args: argparse.Namespace) -> int:
    import joblib

    from .ensembles import (
        ENSEMBLE_BETA,
        circular_ensemble_eigphases,
        jacobi_ensemble_eigvals,
        laguerre_ensemble_eigvals,
    )
    from .parallel import DEFAULT_N_CHUNKS, ChunkedSample

    kind = args.ensemble or "CUE"
    if args.beta is not None and kind in ENSEMBLE_BETA and args.ensemble is not None:
        raise ValueError(f"give ENSEMBLE ({args.ensemble}) or --beta, not both: --beta selects the ensemble")
    dof = _check_dof_flags(args, kind)
    _check_outputs({"--out": args.out}, {})
    what = "eigenvalues" if dof else "eigenphases"
    chunk = args.chunk_size or math.ceil(args.M / DEFAULT_N_CHUNKS)
    workers = min(joblib.effective_n_jobs(args.jobs), math.ceil(args.M / chunk))
    check_memory(f"-M {args.M} x -N {args.N} {what} (--chunk-size {chunk}, {workers} worker(s))",
                 _ensemble_bytes(args.N, args.M, chunk, workers, _matrix_bytes(kind, args.N)))
    root = np.random.SeedSequence(args.seed)
    if dof:
        beta = 1.0 if args.beta is None else args.beta
        job: Callable[..., ChunkedSample] = (laguerre_ensemble_eigvals if kind == "LAGUERRE"
                                             else jacobi_ensemble_eigvals)
        sample = job(n=args.N, n_matrices=args.M, beta=beta, **dof, chunk_size=args.chunk_size, random_state=root,
                     n_jobs=args.jobs, verbose=0 if args.no_progress else 1)
    else:
        beta = args.beta if args.beta is not None else ENSEMBLE_BETA[kind]
        sample = circular_ensemble_eigphases(
            args.N, args.M, beta, chunk_size=args.chunk_size, random_state=root, n_jobs=args.jobs,
            verbose=0 if args.no_progress else 1,
        )
    meta = {
        "ensemble": kind if dof or args.beta is None else None,
        "beta": beta,
        "N": args.N,
        "M": args.M,
        **dof,
        "root_entropy": str(root.entropy),
        "chunks": sample.plan.describe(),
    }
    with open(args.out, "wb") as fh:  # a file object: numpy does not append ".npz" to the name
        text = json.dumps(meta, default=str)
        if dof:
            np.savez(fh, eigvals=sample.values, metadata=text)
        else:
            np.savez(fh, eigphases=sample.values, metadata=text)
    params = "".join(f", {k} = {v:g}" for k, v in dof.items())
    print(f"wrote {args.M} x {args.N} {what} ({kind + ', ' if dof else ''}beta = {beta:g}{params}) to {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``bristol`` with ``argv`` (default ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments, without the program name.

    Returns
    -------
    int
        The exit status, 0 on success.

    Raises
    ------
    SystemExit
        With status 2 for an error in the arguments (a ``ValueError``, ``TypeError``,
        ``OSError`` or ``ImportError`` of the library, reworded to name the flag, on one line
        of stderr); anything else is a bug and propagates.

    Examples
    --------
    >>> import os, tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     main(["ensemble", "CUE", "-N", "4", "-M", "2", "--seed", "1", "--no-progress",
    ...           "--out", os.path.join(tmp, "phases.npz")])
    wrote 2 x 4 eigenphases (beta = 2) to ...phases.npz
    0
    """
    args = build_parser().parse_args(argv)
    run = _run_cpse if args.command == "cpse" else _run_ensemble
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return run(args)
        except (ValueError, TypeError, OSError, ImportError) as err:
            _fail(str(err))


if __name__ == "__main__":
    sys.exit(main())
