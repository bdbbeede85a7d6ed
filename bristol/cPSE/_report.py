"""Cascading periodic spectral ergodicity (cPSE) of deep networks (Suezen, arXiv:1911.07831).

For the weight matrices W_1 .. W_L of a network (layer policy: :mod:`bristol.cPSE._layers`):

1. spectra: a model layer contributes the eigenvalues of (W W^H)^2 (sigma_i(W)^4), a matrix
   given to :func:`cpse_measure_vanilla` the eigenvalues of M M^H (sigma_i(M)^2) -- both as
   in bristol 0.2.14 for real weights (W^H = W^T); complex weights use the Hermitian Gram,
   never a real cast; each layer has as many eigenvalues as W has rows;
2. periodic extension of every layer's list to the largest layer's length U (:mod:`bristol.periodic`);
3. d_l = D(Omega_l, Omega_{l+1}), l = 1 .. L - 2, with Omega_l the Thirumalai-Mountain metric of
   the first l layers (:mod:`bristol.cPSE._pse`); cpse = mean_l log10 d_l.

Default (``legacy=False``): the result is a function of the spectra alone. Eigenvalues come from
the smaller Gram matrix with a symmetric solver in float64, in descending order before the
periodic extension, so permuting rows or columns of a matrix does not change d_layers.
``legacy=True`` reproduces bristol 0.2.14 exactly on the same numpy: float32 weights, the
general eigen-solver ``np.linalg.eigvals`` of (W W^T)(W W^T)^T, and its output order (which
decides which eigenvalues the periodic extension repeats when the largest size is not a
multiple of a layer's size). Where it is a multiple of every size (VGG-style), the two agree
up to the float32 rounding of the legacy eigenvalues. Nothing is printed.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .._torch import require_torch, resolve_device
from .._validation import check_finite_array
from ..periodic import periodic_extension
from ._layers import extract_layer_matrices, legacy_weight_matrices
from ._loading import NEEDS_TORCH, resolve_model
from ._pse import cpse_from_d_layers, gram_spectra, is_complex
from ._pse import d_layers as _d_layers

__all__ = [
    "cpse_measure",
    "cpse_measure_vanilla",
    "cpse_report",
    "CPSEReport",
    "LayerRecord",
    "plot_d_layers",
]

#: Models with at least this many layer matrices show a progress bar unless told otherwise.
PROGRESS_MIN_LAYERS = 50


# --- measures -------------------------------------------------------------------------------

def cpse_measure(pmodel, legacy: bool = False, *, device: str | None = None,
                 progress: bool | None = None, example_input=None,
                 allow_pickle: bool = False) -> tuple[list, float]:
    """(d_layers, cpse) of a PyTorch model (or a torchvision name, state_dict or file; see
    :func:`bristol.cPSE.resolve_model`). Layer spectra are sigma^4 (eigenvalues of (W W^T)^2).

    Files are read with ``torch.load(weights_only=True)``: a file that needs full unpickling
    (a whole module saved with ``torch.save(model)``) is refused with a ValueError unless
    ``allow_pickle=True``, which executes code from the file (trusted files only).

    ``device`` (keyword-only; "cpu", "cuda", ...; see :mod:`bristol._torch`) runs the Gram
    matrices and eigen-solves in torch on that device (float64); None uses numpy. The result
    is the same list and float either way. ``progress``: tqdm bar on stderr (default: for models
    with at least 50 layer matrices). ``example_input`` (a tensor or a tuple of arguments):
    take the layers in the order they first run in one forward pass on it, instead of
    registration order (cPSE depends on the order of the layers); the model is left
    bit-identical (see :func:`bristol.cPSE.forward_order` for how, and its memory).
    """
    report = cpse_report(pmodel, legacy=legacy, device=device, progress=progress, example_input=example_input,
                         allow_pickle=allow_pickle)
    return report.d_layers.tolist(), report.cpse


def cpse_measure_vanilla(matrices: Sequence, legacy: bool = False, *,
                         device: str | None = None) -> tuple[list, float]:
    """(d_layers, cpse) of a list of at least 3 weight matrices (2-D numpy arrays or torch
    tensors); spectra sigma^2, the eigenvalues of M M^H.

    Default: float64 for real input (integers and booleans converted exactly up to 2^53;
    float16/float32 widened; longdouble rounded to float64), complex128 for complex input (the
    Hermitian Gram M M^H, whose eigenvalues are real and nonnegative: (1 + 1j) M gives the
    spectra of 2 M M^T). Each matrix is scaled by an exact power of two before its Gram matrix,
    so entries up to the float64 limits work wherever sigma^2 itself is a normal float64.
    ``device`` (keyword-only, see :mod:`bristol._torch`) runs the Gram matrices and
    eigen-solves in torch on that device.

    ``legacy=True``: bristol 0.2.14's arithmetic in the matrix's own dtype for float32 and
    float64 (exact legacy numbers); float16 is computed in float32 (exact widening; numpy's
    eigen-solver has no float16), integer and boolean matrices in float64 (0.2.14 multiplied
    them in their own dtype, which overflows or, for booleans, is a logical product), other
    real floats in float64. Complex matrices are refused (0.2.14 took eigvals of the
    non-Hermitian M M^T).

    Raises TypeError for non-numeric input and ValueError naming ``matrices[i]`` for NaN/Inf,
    a wrong rank, or a spectrum (legacy: M M^T) outside the normal range of its dtype.
    Memory O(sum of the matrix sizes + L * (U + 10)) for L matrices of at most U rows.
    """
    mats = _check_matrices(matrices, legacy)
    _check_layer_count(len(mats))
    if legacy:
        values = _legacy_d_layers(mats)
    else:
        values = _d_layers(periodic_extension(gram_spectra(mats, power=1, solver=_solver(device))))
    return values.tolist(), cpse_from_d_layers(values)


@dataclass
class LayerRecord:
    """One row of the per-layer report."""

    name: str
    layer_type: str
    weight_shape: tuple[int, ...]
    matrix_shape: tuple[int, int] | None
    status: str  # "used" or "skipped"
    reason: str = ""
    d_layer: float | None = None  # d_l for the layer whose addition it measures
    weight_dtype: str | None = None  # as stored, e.g. "torch.qint8" for a quantized layer (matrix dequantized)


@dataclass
class CPSEReport:
    """Per-layer report, d_layers and cPSE of a model.

    ``d_layers[l - 1]`` compares the ensembles of the first l and l + 1 used layers, so it is
    attached to the (l + 1)-th used layer; the first and the last used layer carry none.
    """

    layers: list[LayerRecord]
    d_layers: np.ndarray
    cpse: float
    legacy: bool = False
    definition: str = field(default="sigma^4: eigenvalues of (W W^T)^2, periodic to the largest layer")

    @property
    def used(self) -> list[LayerRecord]:
        return [r for r in self.layers if r.status == "used"]

    @property
    def skipped(self) -> list[LayerRecord]:
        return [r for r in self.layers if r.status == "skipped"]

    def to_records(self) -> list[dict]:
        return [dict(r.__dict__) for r in self.layers]

    def to_dataframe(self):
        """The report as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("to_dataframe needs pandas (pip install pandas); use to_records() otherwise") from err
        return pd.DataFrame(self.to_records())


def cpse_report(model, *, weights=None, arch=None, legacy: bool = False, device: str | None = None,
                progress: bool | None = None, example_input=None, allow_pickle: bool = False) -> CPSEReport:
    """Per-layer report with d_layers and cPSE for a model, a torchvision model name (with
    ``weights`` passed through; pretrained weights need network access), a state_dict (with
    ``arch``) or a saved file (``allow_pickle``: see :func:`cpse_measure`). See
    :func:`cpse_measure` for ``legacy``, ``device``, ``progress`` and ``example_input``; the
    report lists the used layers in the order taken, with the dtype each weight is stored in.

    Weights that cannot be used (meta device, lazy, sparse, NaN / Inf, so large that sigma^4
    overflows) raise a ValueError or TypeError that names the layer
    (:func:`bristol.cPSE._layers.extract_layer_matrices`)."""
    net = resolve_model(model, weights=weights, arch=arch, allow_pickle=allow_pickle)
    if legacy and example_input is not None:
        raise ValueError("legacy=True takes the layers in registration order, as bristol 0.2.14; "
                         "example_input (forward order) cannot be combined with it")
    if legacy:
        weights_f32, types, names = legacy_weight_matrices(net, with_types=True, with_names=True)
        _check_layer_count(len(weights_f32))
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is named by _legacy_eigenvalues
            grams = [np.matmul(w, w.T) for w in weights_f32]
        values = _legacy_d_layers(grams, labels=[f"layer {n}" for n in names])
        records = [LayerRecord(n, t, None, w.shape, "used") for n, t, w in zip(names, types, weights_f32)]
    else:
        mats, skipped = extract_layer_matrices(net, example_input=example_input)
        _check_layer_count(len(mats))
        show = len(mats) >= PROGRESS_MIN_LAYERS if progress is None else progress
        spectra = gram_spectra([m.matrix for m in mats], power=2, solver=_solver(device), progress=show,
                               labels=[f"layer {m.name}" for m in mats])
        values = _d_layers(periodic_extension(spectra))
        records = [LayerRecord(m.name, m.layer_type, m.weight_shape, m.matrix_shape, "used", weight_dtype=m.weight_dtype)
                   for m in mats]
        records += [LayerRecord(s.name, s.layer_type, s.weight_shape, None, "skipped", s.reason) for s in skipped]
    for rec, d in zip(records[1:], values):
        rec.d_layer = float(d)
    return CPSEReport(records, values, cpse_from_d_layers(values), legacy)


def plot_d_layers(report, ax=None, path=None):
    """Plot the d_layers curve (log scale) of a :class:`CPSEReport` or a sequence of values.

    Needs matplotlib (``pip install 'bristol[plot]'``). Saves to ``path`` when given; returns
    the axes.
    """
    try:
        import matplotlib

        if ax is None and path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("plot_d_layers needs matplotlib: pip install 'bristol[plot]'") from err
    values = np.asarray(report.d_layers if isinstance(report, CPSEReport) else report, dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.semilogy(np.arange(1, values.size + 1), values, marker="o", ms=3)
    ax.set_xlabel("layers in the ensemble, l")
    ax.set_ylabel("d_l = D(Omega_l, Omega_l+1)")
    if isinstance(report, CPSEReport):
        ax.set_title(f"cPSE = {report.cpse:.3f}")
    if path is not None:
        ax.figure.savefig(path, dpi=120, bbox_inches="tight")
    return ax


# --- helpers --------------------------------------------------------------------------------

def _legacy_d_layers(matrices, labels: Sequence[str] | None = None) -> np.ndarray:
    """bristol 0.2.14's steps: eigvals(M M^T) in solver order, cycled by list2plist, d_layers.

    ``matrices`` as returned by :func:`_check_matrices` with ``legacy=True``; ``labels`` names
    them in errors (default ``matrices[i]``).
    """
    labels = [f"matrices[{i}]" for i in range(len(matrices))] if labels is None else labels
    return _d_layers(periodic_extension([legacy_magnitudes(v) for v in _legacy_eigenvalues(matrices, labels)]))


def legacy_magnitudes(values) -> np.ndarray:
    """bristol 0.2.14's magnitudes of eigenvalues before the periodic extension: |real part|
    of complex64 values (the dtype of its float32 eigenvalues), the absolute value otherwise."""
    values = np.asarray(values)
    return np.abs(values.real) if values.dtype == np.complex64 else np.abs(values)


def _legacy_eigenvalues(matrices: Sequence[np.ndarray], labels: Sequence[str]) -> list[np.ndarray]:
    """``np.linalg.eigvals(M @ M.T)`` for every matrix, in its dtype (bristol 0.2.14), raising
    ValueError naming the matrix when M M^T or its eigenvalues leave the normal range of the
    dtype (overflow to Inf, or a nonzero M whose M M^T is subnormal or zero)."""
    out = []
    for m, label in zip(matrices, labels):
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            gram = np.matmul(m, m.T)
        peak, tiny = np.max(np.abs(gram)), np.finfo(gram.dtype).tiny
        if not np.isfinite(peak) or (peak < tiny and np.any(m != 0)):
            side = "above the largest" if not np.isfinite(peak) else "below the smallest normal"
            raise ValueError(f"{label}: M @ M.T lies {side} {gram.dtype} number in legacy=True's arithmetic "
                             f"(bristol 0.2.14 computes in the matrix's dtype); use legacy=False, which rescales")
        try:
            values = np.linalg.eigvals(gram)
        except np.linalg.LinAlgError as err:
            raise ValueError(f"{label}: the eigenvalues of M @ M.T did not converge ({err})") from None
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{label}: the eigenvalues of M @ M.T exceed the {gram.dtype} range; use legacy=False")
        out.append(values)
    return out


def _check_layer_count(n: int) -> None:
    if n < 3:
        raise ValueError(f"cPSE needs at least 3 layer matrices (L layers give L - 2 values), found {n}")


#: legacy=True computes float16 in float32, integers, booleans and other floats in float64.
_LEGACY_DTYPES = {np.dtype(np.float16): np.float32, np.dtype(np.float32): np.float32, np.dtype(np.float64): np.float64}


def _check_matrices(matrices, legacy: bool, name: str = "matrices") -> list:
    """The 2-D, finite, numeric matrices of ``matrices`` as numpy arrays in the dtype of the
    computation: complex128 or float64 by default; for ``legacy=True`` float32 or float64 as
    0.2.14 (float16 -> float32, integers, booleans and other floats -> float64), complex refused.
    Errors name ``{name}[i]``."""
    if isinstance(matrices, np.ndarray) and matrices.ndim != 3:
        raise ValueError(f"{name} must be a list of 2-D arrays, got an array of shape {matrices.shape}")
    try:
        items = list(matrices)
    except TypeError:
        raise TypeError(f"{name} must be a list of 2-D arrays, got {type(matrices).__name__}") from None
    if not items:
        raise ValueError(f"{name} must not be empty")
    out = []
    for i, m in enumerate(items):
        label = f"{name}[{i}]"
        if hasattr(m, "detach"):
            m = _tensor_to_numpy(m, label)
        try:
            m = np.asarray(m)
        except ValueError as err:  # a ragged nested list
            raise ValueError(f"{label} is not a rectangular array: {err}") from None
        kind = m.dtype.kind
        if kind not in "biufc":
            raise TypeError(f"{label} must hold real or complex numbers, got dtype {m.dtype}")
        arr = check_finite_array(label, m)
        if arr.ndim != 2:
            raise ValueError(f"{label} must be a 2-D array, got shape {arr.shape}")
        if legacy and kind == "c":
            raise ValueError(f"{label} is complex: legacy=True reproduces bristol 0.2.14, which took the "
                             "eigenvalues of the non-Hermitian M M^T; use legacy=False (Hermitian M M^H)")
        if legacy:
            dtype = _LEGACY_DTYPES.get(arr.dtype, np.float64)
        else:
            dtype = np.complex128 if kind == "c" else np.float64
        out.append(arr.astype(dtype, copy=False))
    return out


def _tensor_to_numpy(tensor, label: str) -> np.ndarray:
    """A torch tensor's values as a numpy array: dense, on the CPU, 16-bit floats widened
    exactly to float32 (complex32 to complex64), which numpy cannot hold or solve."""
    torch = require_torch(NEEDS_TORCH)

    if tensor.is_meta:
        raise ValueError(f"{label} is on the meta device and holds no values")
    tensor = tensor.detach().cpu()
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    if tensor.element_size() < 4 and tensor.is_floating_point():
        tensor = tensor.float()
    elif tensor.element_size() < 8 and tensor.is_complex():
        tensor = tensor.to(torch.complex64)
    return tensor.numpy()


def _as_numpy(tensor) -> np.ndarray:
    """A weight tensor as a float64 array (complex128 for complex weights: never cast to real)."""
    torch = require_torch(NEEDS_TORCH)

    return tensor.detach().cpu().to(torch.complex128 if tensor.is_complex() else torch.float64).numpy()


def _solver(device: str | None):
    """The Gram eigen-solver of :func:`bristol.cPSE._pse.gram_spectra` for ``device`` (None: numpy on
    the CPU): torch on the device, float64 (complex128 for complex matrices), each matrix scaled
    by 2^-e so that its largest |real or imaginary part| lies in [0.5, 1)."""
    if device is None:
        return None
    dev = resolve_device(device)
    torch = require_torch(NEEDS_TORCH)

    def solve(mats):
        dtype = torch.complex128 if any(is_complex(m) for m in mats) else torch.float64
        # to the device in the stored dtype, then to float64 there: torch converts a blocking
        # host-to-device copy on the host, which would double the bytes moved
        stack = torch.stack([torch.as_tensor(m).to(dev).to(dtype) for m in mats])
        parts = torch.view_as_real(stack) if stack.is_complex() else stack
        exponents = torch.frexp(parts.abs().amax(dim=tuple(range(1, parts.ndim))))[1].cpu().numpy().astype(np.int64)
        half = -exponents // 2  # 2^-e in two factors (2^-e alone can overflow), made by numpy's exact
        for factor in (half, -exponents - half):  # ldexp: torch.pow(2.0, -300) is inexact on CUDA
            parts.mul_(torch.from_numpy(np.ldexp(1.0, factor)).to(dev).reshape((-1,) + (1,) * (parts.ndim - 1)))
        n, m = stack.shape[1:]
        gram = stack @ stack.mH if n <= m else stack.mH @ stack
        return torch.linalg.eigvalsh(gram).cpu().numpy(), exponents

    return solve
