"""Periodic spectral ergodicity of a stack of layers (cPSE, arXiv:1911.07831): numpy core.

Given the spectra of L layers, each extended periodically to the largest layer's size U
(:mod:`bristol.periodic`), the layers 1..l form an ensemble of l members of size U with the
Thirumalai-Mountain metric Omega_l (:mod:`bristol.ergodicity`, real spectra). Then

    d_l = D(Omega_l, Omega_{l+1}),  l = 1 .. L - 2,        cPSE = mean_l log10 d_l,

with D the symmetric KL distance: L layers give L - 2 values and the last layer never enters
(bristol 0.2.14's definition). Real spectra are histogrammed as bristol 0.2.14 did
(``real_grid="own"``: numpy's 10 bins over each layer's own range, the ensemble over the
pooled range of layers 1..l), or on the pooled grid of each ensemble (``"common"``).

All Omega_l come from one pass: every layer's sorted spectrum is searched once for the edges
of all L - 1 pooled grids, and prefix sums over layers give the pooled histograms; the
member sums are sequential cumulative sums, so the numbers are bit-identical to the
member-by-member computation of bristol 0.2.14.
"""
from __future__ import annotations

import importlib.util
import sys
import warnings
from typing import Callable, List, Sequence

import numpy as np
from tqdm import tqdm

from ._validation import check_choice, check_finite_array, check_int
from .binning import histogram_range, own_range_counts, uniform_edges
from .ergodicity import REAL_BINS, consecutive_distances


def ensemble_metrics(periodic: np.ndarray, real_grid: str = "own", bins: int = REAL_BINS) -> np.ndarray:
    """Omega_l for the ensembles of the first l layers, l = 1 .. L; shape (L, bins).

    ``periodic`` is the (L, U) array of periodically extended real spectra.
    """
    grid = check_choice("real_grid", real_grid, ("own", "common"))
    bins = check_int("bins", bins)
    x = np.asarray(periodic)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(float)
    n_layers, size = x.shape
    sizes = np.arange(1, n_layers + 1)
    lo = np.minimum.accumulate(x.min(axis=1))
    hi = np.maximum.accumulate(x.max(axis=1))
    edges = uniform_edges(*histogram_range(lo, hi), bins, x.dtype)  # (L, bins + 1): pooled grid of layers 1..l
    ordered = np.sort(x, axis=1)
    # below[i, l, b]: values of layer i below edge b of grid l (the last edge inclusive)
    below = np.empty((n_layers, n_layers, bins + 1), dtype=np.int64)
    for i in range(n_layers):
        below[i, :, :-1] = np.searchsorted(ordered[i], edges[:, :-1], side="left")
        below[i, :, -1] = np.searchsorted(ordered[i], edges[:, -1], side="right")
    on_grid = np.diff(below, axis=2)  # (i, l, b): counts of layer i on grid l
    pooled = np.cumsum(on_grid, axis=0)[sizes - 1, np.arange(n_layers)]  # (l, b) over layers 1..l
    mean = pooled / sizes[:, None]
    if grid == "own":
        own = own_range_counts(x, bins)[0]  # (i, b)
        deviations = (own[None, :, :] - mean[:, None, :]) ** 2  # (l, i, b)
    else:
        deviations = (np.swapaxes(on_grid, 0, 1) - mean[:, None, :]) ** 2
    sums = np.cumsum(deviations, axis=1)[np.arange(n_layers), sizes - 1]  # sequential sum over i <= l
    return sums / sizes[:, None] / size


def d_layers(periodic: np.ndarray, real_grid: str = "own", bins: int = REAL_BINS) -> np.ndarray:
    """d_l = D(Omega_l, Omega_{l+1}) for l = 1 .. L - 2 from the (L, U) periodic spectra."""
    periodic = check_finite_array("periodic spectra", periodic, ndim=2)
    if periodic.shape[0] < 3:
        raise ValueError(f"cPSE needs at least 3 layers (L layers give L - 2 values), got {periodic.shape[0]}")
    omegas = ensemble_metrics(periodic[:-1], real_grid, bins)
    return consecutive_distances(list(omegas))


def cpse_from_d_layers(values: Sequence[float]) -> float:
    """cPSE = mean of log10 d_l.

    A d_l of 0 (two consecutive ensembles with identical Thirumalai-Mountain metrics, e.g.
    repeated identical layers) makes cPSE -inf, as in bristol 0.2.14; this is returned with a
    warning that names the positions instead of numpy's divide-by-zero message.
    """
    values = np.asarray(values, dtype=float)
    if values.size == 0:
        raise ValueError("d_layers is empty")
    zero = np.flatnonzero(values == 0)
    if zero.size:
        warnings.warn(f"d_l = 0 at l = {(zero + 1).tolist()} (identical metrics of consecutive layer ensembles): "
                      "cPSE = mean log10 d_l is -inf", RuntimeWarning, stacklevel=2)
        return float("-inf")
    return float(np.mean(np.log10(values)))


def stack_float64(matrices: Sequence) -> np.ndarray:
    """(k, n, m) float64 stack of equally shaped matrices (numpy arrays or torch tensors);
    a single matrix is not copied when it already is a float64 array."""
    arrays = [x.detach().cpu().double().numpy() if hasattr(x, "detach") else np.asarray(x, dtype=np.float64)
              for x in matrices]
    return arrays[0][None] if len(arrays) == 1 else np.stack(arrays)


#: Gram matrices at least this large are solved by torch's LAPACK when torch is installed: in
#: the x86 wheels that is MKL's dsyevd, measured 1.3-2x faster than numpy's OpenBLAS at
#: n = 4096 and slower below about 2000 (2-core machine, benchmarks/bench_cpse.py).
TORCH_EIGVALSH_MIN = 2048


def _installed_torch():
    """torch if it is installed and imports, else None (the choice depends on the installation
    alone, never on what the caller happened to import)."""
    if importlib.util.find_spec("torch") is None:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def symmetric_eigvalsh(gram: np.ndarray) -> np.ndarray:
    """Ascending eigenvalues of a (k, n, n) float64 stack of symmetric matrices (LAPACK dsyevd):
    torch's for n >= :data:`TORCH_EIGVALSH_MIN` when torch is installed, numpy's otherwise.
    The two agree to rounding (~1e-15 relative)."""
    torch = _installed_torch() if gram.shape[-1] >= TORCH_EIGVALSH_MIN else None
    if torch is not None:
        return torch.linalg.eigvalsh(torch.from_numpy(gram)).numpy()
    return np.linalg.eigvalsh(gram)


def numpy_gram_eigvalsh(stack: np.ndarray) -> np.ndarray:
    """Eigenvalues of the smaller Gram matrix of every matrix in a (k, n, m) float64 stack:
    X X^T if n <= m, else X^T X (numpy's syrk); shape (k, min(n, m))."""
    n, m = stack.shape[1:]
    gram = stack @ np.swapaxes(stack, 1, 2) if n <= m else np.swapaxes(stack, 1, 2) @ stack
    return symmetric_eigvalsh(gram)


#: Largest number of float64 entries stacked into one batched eigen-solve (2 GiB of input).
STACK_ENTRIES = 2**28


def gram_spectra(
    matrices: Sequence,
    power: int = 1,
    *,
    solver: Callable[[Sequence], np.ndarray] | None = None,
    progress: bool = False,
) -> List[np.ndarray]:
    """Eigenvalues of (X X^T)^power for every matrix X (n x m), descending, n values each.

    Computed from the smaller Gram matrix (X X^T, or X^T X padded with n - m zeros) with a
    symmetric eigen-solver in float64; matrices of equal shape are solved as stacks.
    Eigenvalues are taken in absolute value (a Gram matrix is positive semi-definite; this only
    removes rounding-level negatives, as bristol 0.2.14's abs() did). ``solver`` maps a list of
    equally shaped matrices to their (k, min(n, m)) Gram eigenvalues (default: numpy on the
    CPU; :mod:`bristol.cPSE` passes a torch solver for ``device=``). ``progress`` shows a bar.
    """
    power = check_int("power", power)
    solver = solver or (lambda mats: numpy_gram_eigvalsh(stack_float64(mats)))
    out: List[np.ndarray] = [np.empty(0)] * len(matrices)
    groups: dict = {}
    for k, x in enumerate(matrices):
        groups.setdefault(tuple(x.shape), []).append(k)
    with tqdm(total=len(matrices), disable=not progress, desc="cPSE layers", file=sys.stderr) as bar:
        for (n, m), members in groups.items():
            per_stack = max(1, STACK_ENTRIES // (n * m))
            for start in range(0, len(members), per_stack):
                chunk = members[start: start + per_stack]
                values = np.abs(np.asarray(solver([matrices[k] for k in chunk]), dtype=np.float64)) ** power
                values = np.concatenate([values, np.zeros((len(chunk), max(n - m, 0)))], axis=1)
                for k, v in zip(chunk, values):
                    out[k] = np.sort(v)[::-1]
                bar.update(len(chunk))
    return out
