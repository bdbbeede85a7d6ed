"""Spectral ergodicity (Suezen, Weber & Cerda, arXiv:1704.08303), vectorised.

For an ensemble of M spectra of size N, binned on a grid b_1 .. b_B:

* n_i(b)         count of eigenvalues of member i in bin b;
* rho(b)         = (1/M) sum_i n_i(b), the ensemble spectral density (counts per member);
* Omega_N(b)     = (1/(M N)) sum_i [n_i(b) - rho(b)]^2, the Thirumalai-Mountain metric
                   (per-bin variance of member counts around the ensemble mean, over N);
* D(Omega, Omega') = sum_b Omega log2((Omega + eps)/(Omega' + eps))
                   + Omega' log2((Omega' + eps)/(Omega + eps)), the symmetric
                   Kullback-Leibler (Jeffreys) distance in base 2 with the shift eps inside
                   the logarithm (eps = 1e-9);
* D_se(N_k, N_{k-1}) = D(Omega_{N_k}, Omega_{N_{k-1}}) for consecutive sizes: the approach to
  spectral ergodicity.

Binning. Eigenphases (complex eigenvalues, or phases with ``kind="phase"``) use one grid
covering the whole circle: ceil(2 pi / delta_rad) equal bins on [-pi, pi] (width <= delta_rad);
bristol 0.2.14 used edges ``arange(-pi, pi, delta_rad)`` and silently dropped phases above
its last edge. Real spectra (used by cPSE) follow bristol 0.2.14 by default
(``real_grid="own"``): every member is histogrammed with numpy's default 10 bins over its own
[min, max] and the ensemble mean over the pooled [min, max], so the two sit on different
grids -- cPSE's published numbers depend on this. ``real_grid="common"`` bins every member on
the pooled ensemble's grid, which makes Omega a proper per-bin variance.

All members are binned at once by :mod:`bristol.spectral._binning` (no loop over members), bit for bit
equal to ``np.histogram`` member by member (also for spectra near the underflow limit).

Memory: up to about 42 bytes per eigenvalue (M N) for the binning (9 for sorted phases on a
grid no finer than the spectra, 26 unsorted, 42 at delta_rad = 1e-4), plus 48 bytes per bin of a
common grid (ceil(2 pi / delta_rad) bins for phases; occupied (member, bin) pairs only when
there are more bins than eigenvalues per member) or 16 M B bytes for the members' own grids
and for :func:`member_counts`. A ``delta_rad`` or ``real_bins`` whose grid needs more than the
machine's memory is refused up front with a ValueError that names it and the bytes needed.
Spectra whose range overflows float64 (max - min = inf) are refused on numpy's automatic
grids, as ``np.histogram`` refuses them.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from .._validation import (
    check_choice,
    check_finite_array,
    check_finite_range,
    check_int,
    check_memory,
    check_numeric,
    check_positive_real,
)
from ._binning import (
    binned_counts,
    count_moments,
    histogram_range,
    own_range_counts,
    uniform_edges,
)

__all__ = [
    "KL_SHIFT",
    "REAL_BINS",
    "phase_bin_edges",
    "as_ensemble",
    "ensemble_counts",
    "member_counts",
    "spectral_density",
    "thirumalai_mountain",
    "symmetric_kl_distance",
    "consecutive_distances",
    "approach_to_ergodicity",
]

#: Shift inside the logarithm of the symmetric KL distance (bristol 0.2.14's value).
KL_SHIFT = 1e-9
#: numpy's default number of histogram bins, used for real spectra as in bristol 0.2.14.
REAL_BINS = 10
#: Bytes per bin of a common grid (edges, centres, pooled counts K and S, a bincount temporary).
_GRID_BYTES = 48
#: Bytes per (member, bin) of dense member counts on the members' own grids (edges and counts).
_OWN_GRID_BYTES = 16


def phase_bin_edges(delta_rad: float = 0.2) -> np.ndarray:
    """Edges of ceil(2 pi / delta_rad) equal bins covering [-pi, pi] (width <= delta_rad).

    A ``delta_rad`` whose grid needs more memory than the machine has (about 48 bytes per
    bin) is refused with a ValueError.
    """
    return _circle_edges(_n_phase_bins(delta_rad)).copy()


def _n_phase_bins(delta_rad: float) -> int:
    """ceil(2 pi / delta_rad) (a quotient within 1e-9 of an integer k gives k), refusing grids
    that do not fit in memory."""
    delta_rad = check_positive_real("delta_rad", delta_rad)
    n_bins = 2 * np.pi / delta_rad
    check_memory(f"delta_rad = {delta_rad!r} ({n_bins:.3g} phase bins)", _GRID_BYTES * n_bins)
    return max(1, int(np.ceil(n_bins - 1e-9)))


def _check_real_bins(real_bins: int, n_members: int, own: bool) -> int:
    """``real_bins`` as an int >= 1 whose grids fit in memory (dense on the members' own grids)."""
    real_bins = check_int("real_bins", real_bins)
    n_bytes = real_bins * (_OWN_GRID_BYTES * n_members + _GRID_BYTES if own else _GRID_BYTES)
    check_memory(f"real_bins = {real_bins}", n_bytes)
    return real_bins


@functools.lru_cache(maxsize=16)
def _circle_edges(n_bins: int) -> np.ndarray:
    """The (read-only) edges of ``n_bins`` equal bins over [-pi, pi]."""
    edges = uniform_edges(-np.pi, np.pi, n_bins, float)
    edges.flags.writeable = False
    return edges


def as_ensemble(values, n_members: int, n: int, name: str = "c_eigen") -> np.ndarray:
    """(n_members, n) eigenvalues from flat ones (matrix after matrix, ``n_members * n``
    values) or from an (n_members, n) array; any other shape (a transposed array, a 3-D one)
    is a ValueError, never reshaped."""
    n_members = check_int("ensemble_size", n_members)
    n = check_int("N", n)
    arr = check_numeric(name, values)
    if arr.ndim == 1 and arr.size != n_members * n:
        raise ValueError(
            f"{name} must hold ensemble_size * N = {n_members} * {n} = {n_members * n} eigenvalues, got {arr.size}"
        )
    if arr.ndim != 1 and arr.shape != (n_members, n):
        raise ValueError(
            f"{name} must be flat (ensemble_size * N = {n_members * n} eigenvalues, matrix after matrix) or of shape "
            f"(ensemble_size, N) = ({n_members}, {n}), got shape {arr.shape}"
        )
    return check_finite_array(name, arr.reshape(n_members, n))


def _prepare(spectra, kind: str) -> tuple[np.ndarray, bool]:
    """(M, N) floating array and whether it holds phases (float64, wrapped into [-pi, pi])."""
    kind = check_choice("kind", kind, ("auto", "phase", "real"))
    arr = check_numeric("spectra", spectra)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"spectra must be a 2-D array (members x eigenvalues), got shape {arr.shape}")
    if np.iscomplexobj(arr):
        if kind == "real":
            raise ValueError("spectra are complex but kind='real'")
        return np.angle(check_finite_array("spectra", arr)).astype(float, copy=False), True
    if not np.issubdtype(arr.dtype, np.floating):
        arr = check_finite_array("spectra", arr).astype(float)
    if arr.dtype not in (np.float16, np.float32, np.float64):
        raise TypeError(f"spectra must be float16, float32 or float64 (or complex64/complex128), got {arr.dtype}")
    lo, hi = check_finite_range("spectra", arr)
    if kind != "phase":
        return arr, False
    if lo < -np.pi or hi > np.pi:
        return np.angle(np.exp(1j * arr)), True
    return arr.astype(float, copy=False), True


def _grid_edges(arr: np.ndarray, is_phase: bool, delta_rad: float, real_bins: int) -> np.ndarray:
    """Edges of the ensemble's common grid: the circle grid for phases, the pooled numpy grid
    (``real_bins`` bins over [min, max] of all members) for real spectra."""
    if is_phase:
        return _circle_edges(_n_phase_bins(delta_rad))
    return uniform_edges(*histogram_range(arr.min(), arr.max()), real_bins, arr.dtype)


def _binned(spectra, kind: str, delta_rad: float, real_grid: str, real_bins: int):
    """Bin an ensemble. Returns (arr, centres, pooled K(b), and either ('common', S(b)) or
    ('own', dense member counts on the members' own grids))."""
    arr, is_phase = _prepare(spectra, kind)
    if not is_phase:
        own = check_choice("real_grid", real_grid, ("own", "common")) == "own"
        real_bins = _check_real_bins(real_bins, arr.shape[0], own)
        if own:
            pooled, pooled_edges = own_range_counts(arr.reshape(1, -1), real_bins)
            own = own_range_counts(arr, real_bins)[0]
            return arr, _real_centres(pooled_edges[0]), pooled[0].astype(float), ("own", own)
    edges = _grid_edges(arr, is_phase, delta_rad, real_bins)
    pooled, squares = count_moments(arr, edges)
    centres = 0.5 * (edges[1:] + edges[:-1]) if is_phase else _real_centres(edges)
    return arr, centres, pooled, ("common", squares)


def _real_centres(edges: np.ndarray) -> np.ndarray:
    """Bin centres as bristol 0.2.14 computed them for real spectra."""
    return edges[:-1] + (edges[1] - edges[0]) / 2.0


def ensemble_counts(
    spectra,
    *,
    kind: str = "auto",
    delta_rad: float = 0.2,
    real_grid: str = "own",
    real_bins: int = REAL_BINS,
) -> tuple[np.ndarray, np.ndarray]:
    """Ensemble spectral density rho(b) (mean count per member) and the bin centres.

    ``spectra`` is (M, N): complex eigenvalues (binned by phase), phases (``kind="phase"``;
    wrapped into [-pi, pi]) or real eigenvalues (``kind="real"``, or "auto" with a real
    dtype). See the module docstring for the grids; for real spectra the centres are those of
    the pooled (ensemble) grid. Returns (rho (B,), centres (B,)).
    """
    arr, centres, pooled, _ = _binned(spectra, kind, delta_rad, real_grid, real_bins)
    return pooled / arr.shape[0], centres


def member_counts(spectra, *, kind: str = "auto", delta_rad: float = 0.2, real_grid: str = "own",
                  real_bins: int = REAL_BINS) -> np.ndarray:
    """Dense (M, B) counts n_i(b) of every member (on its own grid for ``real_grid="own"``).

    Memory: the (M, B) int64 counts; sizes that do not fit are refused with a ValueError.
    """
    arr, is_phase = _prepare(spectra, kind)
    m = arr.shape[0]
    if not is_phase:
        own = check_choice("real_grid", real_grid, ("own", "common")) == "own"
        real_bins = _check_real_bins(real_bins, m, True)  # dense member counts on either grid
        if own:
            return own_range_counts(arr, real_bins)[0]
        return binned_counts(arr, _grid_edges(arr, False, delta_rad, real_bins))
    n_bins = _n_phase_bins(delta_rad)
    check_memory(f"member counts of {m} members with delta_rad = {delta_rad!r} ({n_bins} bins)", 8.0 * m * n_bins)
    return binned_counts(arr, _circle_edges(n_bins))


def spectral_density(spectra, **binning) -> np.ndarray:
    """Ensemble spectral density: (B, 2) array of bin centres and mean counts per member.

    Keyword arguments as in :func:`ensemble_counts`.
    """
    mean, centres = ensemble_counts(spectra, **binning)
    return np.column_stack((centres, mean))


def thirumalai_mountain(spectra, *, kind: str = "auto", delta_rad: float = 0.2, real_grid: str = "own",
                        real_bins: int = REAL_BINS) -> np.ndarray:
    """Thirumalai-Mountain metric Omega(b) = (1/(M N)) sum_i (n_i(b) - rho(b))^2, shape (B,).

    ``spectra`` is (M, N); keyword arguments as in :func:`ensemble_counts`. On a common grid
    Omega = (S(b) - K(b)^2 / M) / (M N) from the pooled count K and the sum of squared member
    counts S, computed from the occupied bins only; on the members' own grids (real spectra,
    bristol 0.2.14) from the dense M x 10 counts.
    """
    arr, _, pooled, (grid, data) = _binned(spectra, kind, delta_rad, real_grid, real_bins)
    m, n = arr.shape
    if grid == "common":
        return np.maximum(data - pooled**2 / m, 0.0) / m / n
    return np.sum((data - pooled / m) ** 2, axis=0) / m / n


def symmetric_kl_distance(p, q, shift: float = KL_SHIFT) -> float:
    """Symmetric Kullback-Leibler (Jeffreys) distance in base 2, shift inside the logarithm:
    sum p log2((p + shift)/(q + shift)) + q log2((q + shift)/(p + shift))."""
    p = check_finite_array("Nk", p, ndim=1, dtype=float)
    q = check_finite_array("Nk_minus", q, ndim=1, dtype=float)
    if p.shape != q.shape:
        raise ValueError(f"Nk and Nk_minus must have the same length, got {p.size} and {q.size}")
    if not np.isfinite(shift) or shift < 0:
        raise ValueError(f"shift must be a finite number >= 0, got {shift}")
    if np.any(p + shift <= 0) or np.any(q + shift <= 0):
        raise ValueError("Nk + shift and Nk_minus + shift must be positive")
    return float(np.sum(p * np.log2((p + shift) / (q + shift))) + np.sum(q * np.log2((q + shift) / (p + shift))))


def consecutive_distances(omegas: Sequence[np.ndarray]) -> np.ndarray:
    """[D(Omega_1, Omega_0), D(Omega_2, Omega_1), ...] for a sequence of metrics on one grid."""
    if len(omegas) < 2:
        raise ValueError(f"need at least two ensembles to compare, got {len(omegas)}")
    return np.array([symmetric_kl_distance(omegas[i], omegas[i - 1]) for i in range(1, len(omegas))])


def approach_to_ergodicity(spectra_by_size: Sequence, **binning) -> np.ndarray:
    """D_se between consecutive ensembles: [D(Omega_1, Omega_0), D(Omega_2, Omega_1), ...].

    ``spectra_by_size`` is a sequence of (M, N_k) arrays (one ensemble per size, same grid);
    keyword arguments as in :func:`ensemble_counts`.
    """
    return consecutive_distances([thirumalai_mountain(s, **binning) for s in spectra_by_size])
