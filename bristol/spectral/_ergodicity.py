"""Spectral ergodicity (Suezen, Weber & Cerda, arXiv:1704.08303), vectorised.

For an ensemble of M spectra of size N, binned on a grid b_1 .. b_B:

* n_i(b)         count of eigenvalues of member i in bin b;
* rho(b)         = (1/M) sum_i n_i(b), the ensemble spectral density (counts per member);
* Omega_N(b)     = (1/(M N)) sum_i [n_i(b) - rho(b)]^2, the Thirumalai-Mountain metric
                   (per-bin variance of member counts around the ensemble mean, over N);
* D(Omega, Omega') = sum_b Omega log2((Omega + eps)/(Omega' + eps))
                   + Omega' log2((Omega' + eps)/(Omega + eps)), the symmetric
                   Kullback-Leibler (Jeffreys) distance in base 2 with the shift eps inside
                   the logarithm (eps = ``KL_SHIFT`` = 1e-9, bristol 0.2.14's value);
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

The definitions and the paper's conventions are in docs/theory.md, section 5.1.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

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
    "metric_from_moments",
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
#: Slack of the phase-bin count ceil(2 pi / delta_rad - slack): a delta_rad meant to divide the
#: circle exactly (2 pi / k, computed in float64) gives a quotient a few ulps above k, which
#: must count k bins, not k + 1. 1e-9 is far above that rounding (~1e-15 k) and far below the
#: step 1 between bin counts.
_BIN_COUNT_SLACK = 1e-9


def phase_bin_edges(delta_rad: float = 0.2) -> NDArray[np.float64]:
    r"""Edges of the common eigenphase grid: equal bins no wider than ``delta_rad`` on :math:`[-\pi, \pi]`.

    Parameters
    ----------
    delta_rad : float, default 0.2
        Largest bin width in radians, a finite real number > 0.

    Returns
    -------
    ndarray of float64, shape (B + 1,)
        The edges of :math:`B = \lceil 2\pi / \delta \rceil` equal bins (numpy's
        ``linspace`` edges), from :math:`-\pi` to :math:`\pi`.

    Raises
    ------
    TypeError
        If ``delta_rad`` is not a real number.
    ValueError
        If ``delta_rad`` is not finite and > 0, or its grid needs more memory than the machine
        has (about 48 bytes per bin).

    Notes
    -----
    bristol 0.2.14 used ``np.arange(-pi, pi, delta_rad)``, whose last edge lies below
    :math:`\pi` and which dropped the phases above it; this grid covers the whole circle
    (docs/theory.md, section 5.1). A ``delta_rad`` within rounding of :math:`2\pi/k` gives
    k bins.

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral import phase_bin_edges
    >>> edges = phase_bin_edges(0.2)
    >>> edges.shape, bool(np.diff(edges).max() <= 0.2)
    ((33,), True)
    >>> phase_bin_edges(np.pi / 2)
    array([-3.14159265, -1.57079633,  0.        ,  1.57079633,  3.14159265])
    """
    return _circle_edges(_n_phase_bins(delta_rad)).copy()


def _n_phase_bins(delta_rad: float) -> int:
    """ceil(2 pi / delta_rad), a quotient within ``_BIN_COUNT_SLACK`` above an integer k giving
    k, refusing grids that do not fit in memory."""
    delta_rad = check_positive_real("delta_rad", delta_rad)
    n_bins = 2 * np.pi / delta_rad
    check_memory(f"delta_rad = {delta_rad!r} ({n_bins:.3g} phase bins)", _GRID_BYTES * n_bins)
    return max(1, int(np.ceil(n_bins - _BIN_COUNT_SLACK)))


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


def as_ensemble(values: ArrayLike, n_members: int, n: int, name: str = "c_eigen") -> np.ndarray:
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


def _prepare(spectra: ArrayLike, kind: str) -> tuple[np.ndarray, bool]:
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


def _binned(spectra: ArrayLike, kind: str, delta_rad: float, real_grid: str,
            real_bins: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[str, np.ndarray]]:
    """Bin an ensemble. Returns (arr, centres, pooled K(b), and either ('common', S(b)) or
    ('own', dense member counts on the members' own grids))."""
    arr, is_phase = _prepare(spectra, kind)
    if not is_phase:
        own = check_choice("real_grid", real_grid, ("own", "common")) == "own"
        real_bins = _check_real_bins(real_bins, arr.shape[0], own)
        if own:
            pooled_counts, pooled_edges = own_range_counts(arr.reshape(1, -1), real_bins)
            members = own_range_counts(arr, real_bins)[0]
            return arr, _real_centres(pooled_edges[0]), pooled_counts[0].astype(float), ("own", members)
    edges = _grid_edges(arr, is_phase, delta_rad, real_bins)
    pooled, squares = count_moments(arr, edges)
    centres = 0.5 * (edges[1:] + edges[:-1]) if is_phase else _real_centres(edges)
    return arr, centres, pooled, ("common", squares)


def _real_centres(edges: np.ndarray) -> np.ndarray:
    """Bin centres as bristol 0.2.14 computed them for real spectra."""
    return edges[:-1] + (edges[1] - edges[0]) / 2.0


def ensemble_counts(
    spectra: ArrayLike,
    *,
    kind: str = "auto",
    delta_rad: float = 0.2,
    real_grid: str = "own",
    real_bins: int = REAL_BINS,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Ensemble spectral density :math:`\rho(b)` (mean count per member) and the bin centres.

    Parameters
    ----------
    spectra : array_like, shape (M, N) or (N,)
        M spectra of N eigenvalues each: complex eigenvalues, phases or real eigenvalues
        (see ``kind``); a 1-D array is one member.
    kind : {"auto", "phase", "real"}, default "auto"
        How to read ``spectra``: "phase" bins real phases (wrapped into :math:`[-\pi, \pi]`)
        on the circle; "real" bins real eigenvalues; "auto" bins complex values by their phase
        and real ones as real eigenvalues.
    delta_rad : float, default 0.2
        Largest bin width of the phase grid (see :func:`phase_bin_edges`); unused for real
        spectra.
    real_grid : {"own", "common"}, default "own"
        Real spectra only: "own" bins every member on numpy's grid over its own [min, max]
        (bristol 0.2.14, cPSE's published values); "common" bins all members on the pooled
        ensemble's grid.
    real_bins : int, default 10
        Real spectra only: the number of bins of each grid (``REAL_BINS``, numpy's default).

    Returns
    -------
    rho : ndarray of float64, shape (B,)
        :math:`\rho(b) = M^{-1} \sum_i n_i(b)`, the mean number of eigenvalues per member in
        each bin.
    centres : ndarray of float64, shape (B,)
        The bin centres; for real spectra those of the pooled (ensemble) grid.

    Raises
    ------
    TypeError
        If ``spectra`` is not numeric (or not float16/32/64 or complex), or a keyword has the
        wrong type.
    ValueError
        If ``spectra`` is not 1-D or 2-D, empty, holds NaN or Inf, is complex with
        ``kind="real"``, its range overflows (max - min = inf) on numpy's automatic grids, a
        keyword is out of range, or the grid does not fit in memory.

    Notes
    -----
    All members are binned at once, bit for bit equal to ``np.histogram`` member by member.
    The grids are described in the module docstring of :mod:`bristol.spectral._ergodicity`
    and in docs/theory.md, section 5.1.

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigvals
    >>> from bristol.spectral import ensemble_counts
    >>> z = circular_eigvals(8, size=50, random_state=0)
    >>> rho, centres = ensemble_counts(z, delta_rad=np.pi / 2)
    >>> rho.shape, float(rho.sum())  # every member holds its 8 eigenvalues
    ((4,), 8.0)
    >>> centres.round(3)
    array([-2.356, -0.785,  0.785,  2.356])
    """
    arr, centres, pooled, _ = _binned(spectra, kind, delta_rad, real_grid, real_bins)
    return pooled / arr.shape[0], centres


def member_counts(spectra: ArrayLike, *, kind: str = "auto", delta_rad: float = 0.2, real_grid: str = "own",
                  real_bins: int = REAL_BINS) -> np.ndarray:
    """Dense (M, B) counts n_i(b) of every member (on its own grid for ``real_grid="own"``).

    Keyword arguments as in :func:`ensemble_counts`. Memory: the (M, B) int64 counts; sizes
    that do not fit are refused with a ValueError.
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


def spectral_density(
    spectra: ArrayLike,
    *,
    kind: str = "auto",
    delta_rad: float = 0.2,
    real_grid: str = "own",
    real_bins: int = REAL_BINS,
) -> NDArray[np.float64]:
    r"""Ensemble spectral density as a table: bin centres and mean counts per member.

    Parameters
    ----------
    spectra : array_like, shape (M, N) or (N,)
        M spectra of N eigenvalues each: complex eigenvalues, phases or real eigenvalues
        (see ``kind``); a 1-D array is one member.
    kind : {"auto", "phase", "real"}, default "auto"
        How to read ``spectra``: "phase" bins real phases (wrapped into :math:`[-\pi, \pi]`)
        on the circle; "real" bins real eigenvalues; "auto" bins complex values by their phase
        and real ones as real eigenvalues.
    delta_rad : float, default 0.2
        Largest bin width of the phase grid (see :func:`phase_bin_edges`); unused for real
        spectra.
    real_grid : {"own", "common"}, default "own"
        Real spectra only: "own" bins every member on numpy's grid over its own [min, max]
        (bristol 0.2.14, cPSE's published values); "common" bins all members on the pooled
        ensemble's grid.
    real_bins : int, default 10
        Real spectra only: the number of bins of each grid (``REAL_BINS``, numpy's default).

    Returns
    -------
    ndarray of float64, shape (B, 2)
        Column 0 the bin centres, column 1 :math:`\rho(b)` (see :func:`ensemble_counts`).

    Raises
    ------
    TypeError
        If ``spectra`` is not numeric (or not float16/32/64 or complex), or a keyword has the
        wrong type.
    ValueError
        If ``spectra`` is not 1-D or 2-D, empty, holds NaN or Inf, is complex with
        ``kind="real"``, its range overflows (max - min = inf) on numpy's automatic grids, a
        keyword is out of range, or the grid does not fit in memory.

    Notes
    -----
    The table of :func:`ensemble_counts`, in bristol 0.2.14's layout (docs/theory.md,
    section 5.1).

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigvals
    >>> from bristol.spectral import spectral_density
    >>> density = spectral_density(circular_eigvals(8, size=50, random_state=0), delta_rad=np.pi / 2)
    >>> density.shape, float(density[:, 1].sum())
    ((4, 2), 8.0)
    """
    mean, centres = ensemble_counts(spectra, kind=kind, delta_rad=delta_rad, real_grid=real_grid, real_bins=real_bins)
    return np.column_stack((centres, mean))


def thirumalai_mountain(
    spectra: ArrayLike,
    *,
    kind: str = "auto",
    delta_rad: float = 0.2,
    real_grid: str = "own",
    real_bins: int = REAL_BINS,
) -> NDArray[np.float64]:
    r"""Thirumalai-Mountain metric :math:`\Omega_N(b)`: the per-bin spread of member counts.

    Parameters
    ----------
    spectra : array_like, shape (M, N) or (N,)
        M spectra of N eigenvalues each: complex eigenvalues, phases or real eigenvalues
        (see ``kind``); a 1-D array is one member.
    kind : {"auto", "phase", "real"}, default "auto"
        How to read ``spectra``: "phase" bins real phases (wrapped into :math:`[-\pi, \pi]`)
        on the circle; "real" bins real eigenvalues; "auto" bins complex values by their phase
        and real ones as real eigenvalues.
    delta_rad : float, default 0.2
        Largest bin width of the phase grid (see :func:`phase_bin_edges`); unused for real
        spectra.
    real_grid : {"own", "common"}, default "own"
        Real spectra only: "own" bins every member on numpy's grid over its own [min, max]
        (bristol 0.2.14, cPSE's published values); "common" bins all members on the pooled
        ensemble's grid.
    real_bins : int, default 10
        Real spectra only: the number of bins of each grid (``REAL_BINS``, numpy's default).

    Returns
    -------
    ndarray of float64, shape (B,)
        :math:`\Omega_N(b) = (M N)^{-1} \sum_i (n_i(b) - \rho(b))^2`.

    Raises
    ------
    TypeError
        If ``spectra`` is not numeric (or not float16/32/64 or complex), or a keyword has the
        wrong type.
    ValueError
        If ``spectra`` is not 1-D or 2-D, empty, holds NaN or Inf, is complex with
        ``kind="real"``, its range overflows (max - min = inf) on numpy's automatic grids, a
        keyword is out of range, or the grid does not fit in memory.

    Notes
    -----
    On a common grid :math:`\Omega = (S(b) - K(b)^2/M) / (M N)` from the pooled count
    :math:`K(b) = \sum_i n_i(b)` and :math:`S(b) = \sum_i n_i(b)^2`, computed from the
    occupied bins only; on the members' own grids (real spectra, bristol 0.2.14) from the
    dense M x ``real_bins`` counts, with :math:`\rho` on the pooled grid. For an ergodic
    ensemble :math:`\Omega_N` vanishes as N grows (docs/theory.md, section 5.1).

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).
    * D. Thirumalai, R. D. Mountain, T. R. Kirkpatrick, "Ergodic behavior in supercooled
      liquids and in glasses", Phys. Rev. A 39, 3563 (1989).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigvals
    >>> from bristol.spectral import thirumalai_mountain
    >>> omega = thirumalai_mountain(circular_eigvals(8, size=50, random_state=0), delta_rad=np.pi / 2)
    >>> omega.shape, bool(np.all(omega >= 0))
    ((4,), True)
    """
    arr, _, pooled, (grid, data) = _binned(spectra, kind, delta_rad, real_grid, real_bins)
    m, n = arr.shape
    if grid == "common":
        return metric_from_moments(pooled, data, m, n)
    return np.sum((data - pooled / m) ** 2, axis=0) / m / n


def metric_from_moments(pooled: NDArray[np.float64], squares: NDArray[np.float64], m: int,
                        n: int) -> NDArray[np.float64]:
    r"""Omega(b) = (S(b) - K(b)^2 / M) / (M N) on a common grid, from the pooled counts K and the
    pooled squared counts S of M members of N values each (clipped at 0 against rounding).

    Examples
    --------
    >>> metric_from_moments(np.array([3.0, 1.0]), np.array([5.0, 1.0]), 2, 2)
    array([0.125, 0.125])
    """
    return np.maximum(squares - pooled**2 / m, 0.0) / m / n


def symmetric_kl_distance(p: ArrayLike, q: ArrayLike, shift: float = KL_SHIFT) -> float:
    r"""Symmetric Kullback-Leibler (Jeffreys) distance in base 2, shift inside the logarithm.

    Parameters
    ----------
    p, q : array_like of float, shape (B,)
        Two non-empty finite vectors of the same length (two metrics
        :math:`\Omega_N(b)` on one grid); the errors call them ``Nk`` and ``Nk_minus``, as
        bristol 0.2.14 did.
    shift : float, default ``KL_SHIFT`` (1e-9)
        A finite number >= 0 added inside the logarithms, so that empty bins give finite
        terms.

    Returns
    -------
    float
        :math:`D = \sum_b p \log_2 \frac{p + \epsilon}{q + \epsilon} +
        q \log_2 \frac{q + \epsilon}{p + \epsilon}`, :math:`\epsilon` = ``shift``.

    Raises
    ------
    TypeError
        If ``p`` or ``q`` does not hold numbers.
    ValueError
        If ``p`` or ``q`` is not 1-D, empty or holds NaN or Inf; if their lengths differ; if
        ``shift`` is not finite and >= 0; or if a value plus ``shift`` is not positive.

    Notes
    -----
    :math:`D \ge 0` for non-negative inputs, with equality when :math:`p = q`
    (docs/theory.md, section 5.1).

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> from bristol.spectral import symmetric_kl_distance
    >>> symmetric_kl_distance([0.1, 0.2], [0.1, 0.2])
    0.0
    >>> round(symmetric_kl_distance([0.5, 0.25], [0.25, 0.5], shift=0.0), 12)
    0.5
    """
    p = check_finite_array("Nk", p, ndim=1, dtype=float)
    q = check_finite_array("Nk_minus", q, ndim=1, dtype=float)
    if p.shape != q.shape:
        raise ValueError(f"Nk and Nk_minus must have the same length, got {p.size} and {q.size}")
    if not np.isfinite(shift) or shift < 0:
        raise ValueError(f"shift must be a finite number >= 0, got {shift}")
    if np.any(p + shift <= 0) or np.any(q + shift <= 0):
        raise ValueError("Nk + shift and Nk_minus + shift must be positive")
    return float(np.sum(p * np.log2((p + shift) / (q + shift))) + np.sum(q * np.log2((q + shift) / (p + shift))))


def consecutive_distances(omegas: Sequence[ArrayLike]) -> NDArray[np.float64]:
    r"""Symmetric KL distances between consecutive metrics of a sequence.

    Parameters
    ----------
    omegas : sequence of array_like, each of shape (B,)
        At least two metrics :math:`\Omega_{N_0}, \Omega_{N_1}, \dots` on one grid.

    Returns
    -------
    ndarray of float64, shape (len(omegas) - 1,)
        :math:`[D(\Omega_1, \Omega_0), D(\Omega_2, \Omega_1), \dots]` with the default
        shift of :func:`symmetric_kl_distance`.

    Raises
    ------
    TypeError, ValueError
        As :func:`symmetric_kl_distance`; ValueError also for fewer than two metrics.

    Notes
    -----
    docs/theory.md, section 5.1.

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> from bristol.spectral import consecutive_distances
    >>> consecutive_distances([[0.1, 0.2], [0.1, 0.2], [0.1, 0.2]])
    array([0., 0.])
    """
    if len(omegas) < 2:
        raise ValueError(f"need at least two ensembles to compare, got {len(omegas)}")
    return np.array([symmetric_kl_distance(omegas[i], omegas[i - 1]) for i in range(1, len(omegas))])


def approach_to_ergodicity(
    spectra_by_size: Sequence[ArrayLike],
    *,
    kind: str = "auto",
    delta_rad: float = 0.2,
    real_grid: str = "own",
    real_bins: int = REAL_BINS,
) -> NDArray[np.float64]:
    r"""Approach to spectral ergodicity :math:`D_{se}` between ensembles of growing size.

    Parameters
    ----------
    spectra_by_size : sequence of array_like, each of shape (M, N_k)
        At least two ensembles, one per size :math:`N_k`, each binned with the keywords
        below (for real spectra each ensemble's grid spans its own range, as in bristol
        0.2.14).
    kind : {"auto", "phase", "real"}, default "auto"
        How to read ``spectra``: "phase" bins real phases (wrapped into :math:`[-\pi, \pi]`)
        on the circle; "real" bins real eigenvalues; "auto" bins complex values by their phase
        and real ones as real eigenvalues.
    delta_rad : float, default 0.2
        Largest bin width of the phase grid (see :func:`phase_bin_edges`); unused for real
        spectra.
    real_grid : {"own", "common"}, default "own"
        Real spectra only: "own" bins every member on numpy's grid over its own [min, max]
        (bristol 0.2.14, cPSE's published values); "common" bins all members on the pooled
        ensemble's grid.
    real_bins : int, default 10
        Real spectra only: the number of bins of each grid (``REAL_BINS``, numpy's default).

    Returns
    -------
    ndarray of float64, shape (len(spectra_by_size) - 1,)
        :math:`D_{se}(N_k, N_{k-1}) = D(\Omega_{N_k}, \Omega_{N_{k-1}})`, the symmetric KL
        distance between the Thirumalai-Mountain metrics of consecutive sizes.

    Raises
    ------
    TypeError
        If ``spectra`` is not numeric (or not float16/32/64 or complex), or a keyword has the
        wrong type.
    ValueError
        If fewer than two ensembles are given, their metrics differ in length, or
        if ``spectra`` is not 1-D or 2-D, empty, holds NaN or Inf, is complex with
        ``kind="real"``, its range overflows (max - min = inf) on numpy's automatic grids, a
        keyword is out of range, or the grid does not fit in memory.

    Notes
    -----
    :math:`D_{se}` decreases towards 0 as the ensembles approach spectral ergodicity; the
    paper uses it to compare architectures (docs/theory.md, section 5.1).

    References
    ----------
    * M. Suezen, C. Weber, J. J. Cerda, "Spectral ergodicity in deep learning architectures
      via surrogate random matrices", arXiv:1704.08303 (2017).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigvals
    >>> from bristol.spectral import approach_to_ergodicity
    >>> ensembles = [circular_eigvals(n, size=100, random_state=n) for n in (8, 16, 32)]
    >>> d_se = approach_to_ergodicity(ensembles, delta_rad=0.5)
    >>> d_se.shape, bool(np.all(d_se >= 0))
    ((2,), True)
    """
    return consecutive_distances([
        thirumalai_mountain(s, kind=kind, delta_rad=delta_rad, real_grid=real_grid, real_bins=real_bins)
        for s in spectra_by_size
    ])
