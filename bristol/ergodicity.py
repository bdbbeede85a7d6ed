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

All members are binned at once (one scaled floor and one ``bincount`` over the whole
ensemble, edges consulted only for values within rounding of an edge), bit-for-bit equal to
``np.histogram`` member by member.
"""
from __future__ import annotations

import functools

from typing import Optional, Sequence, Tuple

import numpy as np

from ._validation import check_choice, check_finite_array, check_finite_range, check_int, check_positive_real

#: Shift inside the logarithm of the symmetric KL distance (bristol 0.2.14's value).
KL_SHIFT = 1e-9
#: numpy's default number of histogram bins, used for real spectra as in bristol 0.2.14.
REAL_BINS = 10


def phase_bin_edges(delta_rad: float = 0.2) -> np.ndarray:
    """Edges of ceil(2 pi / delta_rad) equal bins covering [-pi, pi] (width <= delta_rad)."""
    return _circle_edges(_n_phase_bins(delta_rad)).copy()


def _n_phase_bins(delta_rad: float) -> int:
    delta_rad = check_positive_real("delta_rad", delta_rad)
    return max(1, int(np.ceil(2 * np.pi / delta_rad - 1e-9)))


def uniform_edges(first, last, n_bins: int, dtype) -> np.ndarray:
    """numpy's edges of ``n_bins`` equal bins over [first, last] in ``dtype`` (``first``/``last``
    scalars, or (M,) arrays for one grid per row: edges (M, n_bins + 1)); raises if rounding
    leaves a bin of zero width."""
    edges = np.linspace(np.asarray(first, dtype=dtype), np.asarray(last, dtype=dtype), n_bins + 1, axis=-1)
    if np.any(edges[..., 1:] <= edges[..., :-1]):
        raise ValueError(f"the range of a spectrum is too small to hold {n_bins} finite-sized bins in {np.dtype(dtype)}")
    return edges


@functools.lru_cache(maxsize=16)
def _circle_edges(n_bins: int) -> np.ndarray:
    """The (read-only) edges of ``n_bins`` equal bins over [-pi, pi]."""
    edges = uniform_edges(-np.pi, np.pi, n_bins, float)
    edges.flags.writeable = False
    return edges


def _scaled_positions(data: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Float64 ``row * B + (x - edges[0]) * B / (edges[B] - edges[0])`` for (M, N) ``data``.

    ``edges`` is (B + 1,) for one grid or (M, B + 1) for one grid per row. Up to rounding, the
    floor of a position is the key ``row * B + bin`` of the value; the positions are sorted
    when every row is.
    """
    m, n_bins = data.shape[0], edges.shape[-1] - 1
    lo, hi = edges[..., 0].astype(float), edges[..., -1].astype(float)
    slope = n_bins / (hi - lo)
    scaled = np.multiply(data, slope[:, None] if edges.ndim == 2 else slope, dtype=float)
    scaled += (np.arange(m) * float(n_bins) - lo * slope)[:, None]
    return scaled


def _bin_keys(data: np.ndarray, edges: np.ndarray, scaled: np.ndarray) -> np.ndarray:
    """Key ``row * B + bin`` of every value of (M, N) ``data`` (flat, size M * N).

    The bins are exactly ``np.histogram(row, bins=edges)``'s: edges[b] <= x < edges[b + 1],
    the last bin closed (``edges`` in the data's dtype, (B + 1,) or one row per member; values
    inside their row's range). The key is the floor of the scaled position (one pass) except
    within rounding of an edge: only values whose fractional position lies within a generous
    bound of that rounding are compared with the edges themselves.
    """
    m, n_bins = data.shape[0], edges.shape[-1] - 1
    floor = np.floor(scaled)
    frac = scaled - floor
    keys = floor.astype(np.intp).reshape(-1)
    lo, hi = edges[..., 0].astype(float), edges[..., -1].astype(float)
    # bound on the rounding of the edges (data dtype) and of the positions (float64), in bins
    span = float(np.max(np.maximum(np.abs(lo), np.abs(hi)) / (hi - lo)))
    tol = 1e3 * (np.finfo(data.dtype).eps * n_bins * (1.0 + span) + np.finfo(float).eps * m * n_bins)
    near = np.flatnonzero((frac < tol) | (frac > 1 - tol))
    if near.size:
        rows = near // data.shape[1]
        x = data.reshape(-1)[near]
        k = np.clip(keys[near] - rows * n_bins, 0, n_bins - 1)
        row_edges = edges[rows] if edges.ndim == 2 else edges[None, :]
        at = np.arange(near.size) if edges.ndim == 2 else 0
        k = k - (x < row_edges[at, k])
        k = k + ((x >= row_edges[at, k + 1]) & (k != n_bins - 1))
        keys[near] = rows * n_bins + k
    return keys


def _sorted_row_counts(data: np.ndarray, edges: np.ndarray, scaled: np.ndarray) -> Optional[np.ndarray]:
    """Counts (M, B) when every row of ``data`` is sorted, else None.

    The number of values of a sorted row below each inner edge is found by one searchsorted of
    the integer positions ``row * B + b`` in the (then sorted) scaled positions, and confirmed
    against the edges themselves: the value before each boundary must lie below its edge and
    the value at it not. Anything unconfirmed (rounding at an edge) returns None.
    """
    flat = scaled.reshape(-1)
    if not np.all(flat[1:] >= flat[:-1]):
        return None
    (m, n), n_bins = data.shape, edges.shape[-1] - 1
    starts = np.arange(m)[:, None] * n
    pos = np.searchsorted(flat, (np.arange(m)[:, None] * n_bins + np.arange(1, n_bins)).astype(float).ravel())
    pos = pos.reshape(m, n_bins - 1)
    inner = edges[..., 1:-1]
    x = data.reshape(-1)
    below = (pos == starts) | (x[np.maximum(pos - 1, 0)] < inner)
    above = (pos == starts + n) | (x[np.minimum(pos, x.size - 1)] >= inner)
    if not np.all(below & above & (pos >= starts) & (pos <= starts + n)):
        return None
    return np.diff(np.concatenate((starts, pos, starts + n), axis=1), axis=1)


def binned_counts(data: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Dense counts (M, B) of every row of (M, N) ``data`` on ``edges`` ((B + 1,) for one grid,
    (M, B + 1) for one per row): ``np.histogram(row, bins=edges)[0]`` for each row, bit for
    bit. Sorted rows take a searchsorted of the bin boundaries, others one bincount."""
    scaled = _scaled_positions(data, edges)
    counts = _sorted_row_counts(data, edges, scaled)
    if counts is None:
        m, n_bins = data.shape[0], edges.shape[-1] - 1
        counts = np.bincount(_bin_keys(data, edges, scaled), minlength=m * n_bins).reshape(m, n_bins)
    return counts


def histogram_range(lo: np.ndarray, hi: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """numpy's automatic histogram range [min, max], widened by 0.5 on each side when
    min == max (elementwise, in the dtype of the data)."""
    half = lo.dtype.type(0.5)
    same = lo == hi
    return np.where(same, lo - half, lo), np.where(same, hi + half, hi)


def _counts_own_range(samples: np.ndarray, n_bins: int) -> Tuple[np.ndarray, np.ndarray]:
    """Counts of each row on its own ``n_bins`` equal bins over [min, max] of that row
    (widened by 0.5 on each side when min == max): ``np.histogram(row, bins=n_bins)`` bit for
    bit, for all rows at once. Returns (counts (M, B), edges (M, B + 1))."""
    edges = uniform_edges(*histogram_range(samples.min(axis=1), samples.max(axis=1)), n_bins, samples.dtype)
    return binned_counts(samples, edges), edges


def _bin_moments(data: np.ndarray, edges: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Pooled counts K(b) = sum_i n_i(b) and S(b) = sum_i n_i(b)^2 of the rows of (M, N) data.

    With no more bins than values per member, from the dense M x B counts; otherwise from the
    occupied (member, bin) pairs only -- sorted keys and their run lengths -- never a dense
    table (B can be 10^5 at delta_rad = 1e-4).
    """
    n, n_bins = data.shape[1], edges.size - 1
    if n_bins <= n:
        counts = binned_counts(data, edges)
        return counts.sum(axis=0).astype(float), np.einsum("ib,ib->b", counts, counts).astype(float)
    keys = _bin_keys(data, edges, _scaled_positions(data, edges))
    if np.any(keys[1:] < keys[:-1]):
        keys = np.sort(keys)
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    lengths = np.diff(np.append(starts, keys.size)).astype(float)
    bins = keys[starts] % n_bins
    return np.bincount(bins, lengths, minlength=n_bins), np.bincount(bins, lengths**2, minlength=n_bins)


def as_ensemble(values, n_members: int, n: int, name: str = "c_eigen") -> np.ndarray:
    """Reshape flat eigenvalues (matrix after matrix) to (n_members, n), checking the length."""
    n_members = check_int("ensemble_size", n_members)
    n = check_int("N", n)
    arr = np.asarray(values)
    if arr.ndim == 2 and arr.shape == (n_members, n):
        flat = arr
    else:
        flat = arr.ravel()
        if flat.size != n_members * n:
            raise ValueError(
                f"{name} must hold ensemble_size * N = {n_members} * {n} = {n_members * n} eigenvalues, got {flat.size}"
            )
    return check_finite_array(name, flat.reshape(n_members, n))


def _prepare(spectra, kind: str) -> Tuple[np.ndarray, bool]:
    """(M, N) floating array and whether it holds phases (float64, wrapped into [-pi, pi])."""
    kind = check_choice("kind", kind, ("auto", "phase", "real"))
    arr = np.asarray(spectra)
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
        real_bins = check_int("real_bins", real_bins)
        if check_choice("real_grid", real_grid, ("own", "common")) == "own":
            pooled, pooled_edges = _counts_own_range(arr.reshape(1, -1), real_bins)
            own = _counts_own_range(arr, real_bins)[0]
            return arr, _real_centres(pooled_edges[0]), pooled[0].astype(float), ("own", own)
    edges = _grid_edges(arr, is_phase, delta_rad, real_bins)
    pooled, squares = _bin_moments(arr, edges)
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
) -> Tuple[np.ndarray, np.ndarray]:
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
    """Dense (M, B) counts n_i(b) of every member (on its own grid for ``real_grid="own"``)."""
    arr, is_phase = _prepare(spectra, kind)
    real_bins = check_int("real_bins", real_bins)
    if not is_phase and check_choice("real_grid", real_grid, ("own", "common")) == "own":
        return _counts_own_range(arr, real_bins)[0]
    return binned_counts(arr, _grid_edges(arr, is_phase, delta_rad, real_bins))


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
