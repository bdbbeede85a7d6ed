"""Standard statistics of random-matrix spectra, batched over a leading ensemble axis.

Every function takes an (M, N) array (M members of N eigenvalues; a 1-D array is one member)
and computes member by member without Python loops. The exact values to compare with are in
:mod:`bristol.theory` (form factors, number variance, surmises, gap-ratio values, densities).
"""
from __future__ import annotations

import numbers

import numpy as np

from .._validation import block_steps, check_finite_array, check_int, check_memory, check_numeric
from ..theory import _check_orders
from ._binning import _scaled_grid

__all__ = [
    "TWO_PI",
    "circular_spacings",
    "unfold",
    "spacings",
    "gap_ratios",
    "mean_gap_ratio",
    "trace_moments",
    "form_factor",
    "arc_counts",
    "number_variance",
]

TWO_PI = 2 * np.pi


def _spectra(values, name: str = "spectra", min_levels: int = 2, real: bool = False) -> np.ndarray:
    """(M, N) finite numeric array of a 1-D or 2-D input (real only when ``real``)."""
    arr = check_numeric(name, values)
    if real and np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values (pass phases, or use the circular statistics)")
    arr = check_finite_array(name, arr)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 1-D or 2-D (members x eigenvalues) array, got shape {arr.shape}")
    if arr.shape[1] < min_levels:
        raise ValueError(f"{name} must hold at least {min_levels} eigenvalues per member, got {arr.shape[1]}")
    return arr


def _real_levels(values, name: str = "eigenvalues", min_levels: int = 3) -> np.ndarray:
    """Sorted float64 real levels (M, N), each member scaled by a power of two (exact) so that
    its range lies in [1, 2): differences never overflow, and ratios and unfolding are unchanged."""
    lam = np.sort(_spectra(values, name, min_levels, real=True).astype(float), axis=1)
    shift, _, _ = _scaled_grid(lam)
    return np.ldexp(lam, shift[:, None])


def _phases(values) -> np.ndarray:
    arr = _spectra(values, "phases")
    return np.sort(np.angle(arr if np.iscomplexobj(arr) else np.exp(1j * arr)), axis=1)


def circular_spacings(phases) -> np.ndarray:
    """Nearest-neighbour spacings s_j = N (theta_{j+1} - theta_j) / (2 pi), periodic (the gap
    from the last phase back to the first is included), so the mean spacing is exactly 1.

    ``phases`` is (M, N) real phases or complex eigenvalues; returns (M, N). No unfolding is
    needed on the circle: the one-point density is uniform.
    """
    th = _phases(phases)
    gaps = np.diff(np.concatenate([th, th[:, :1] + TWO_PI], axis=1), axis=1)
    return gaps * th.shape[1] / TWO_PI


def unfold(eigenvalues, degree: int = 7) -> np.ndarray:
    """Unfold real spectra with a polynomial fit of the counting function, member by member.

    For each member the sorted levels lambda_1 < ... < lambda_N are mapped to
    xi_j = P(lambda_j), where P (a Legendre series of the given ``degree`` on the member's
    range) is the least-squares fit of the staircase j - 1/2 at lambda_j. The mean spacing of
    the unfolded levels is then 1 away from the edges. ``degree`` is a parameter, not a search.
    All members are fitted at once (stacked QR), in float64. Every member needs more distinct
    levels than ``degree`` (and levels not so close that the fit is numerically singular),
    else ValueError. Returns (M, N) unfolded levels, sorted.
    """
    lam = _real_levels(eigenvalues)
    degree = check_int("degree", degree, minimum=1)
    m, n = lam.shape
    lo, hi = lam[:, :1], lam[:, -1:]
    t = 2 * (lam - lo) / np.where(hi > lo, hi - lo, 1.0) - 1
    distinct = 1 + np.count_nonzero(np.diff(t, axis=1) > 0, axis=1)
    if np.any(distinct <= degree):
        worst = int(np.argmin(distinct))
        raise ValueError(
            f"degree must be smaller than the number of distinct levels of every member, got degree {degree} and "
            f"{distinct[worst]} distinct levels in member {worst}"
        )
    basis = np.polynomial.legendre.legvander(t, degree)  # (M, N, degree + 1)
    q, r = np.linalg.qr(basis)
    diag = np.abs(np.diagonal(r, axis1=1, axis2=2))
    if np.any(diag <= n * np.finfo(float).eps * diag.max(axis=1, keepdims=True)):
        raise ValueError(f"eigenvalues: the levels of a member are too close together for a fit of degree {degree}")
    staircase = np.arange(n) + 0.5
    coef = np.linalg.solve(r, np.einsum("mnk,n->mk", q, staircase)[..., None])[..., 0]
    return np.einsum("mnk,mk->mn", basis, coef)


def spacings(eigenvalues, degree: int = 7) -> np.ndarray:
    """Nearest-neighbour spacings of unfolded real spectra (see :func:`unfold`), (M, N - 1)."""
    return np.diff(unfold(eigenvalues, degree), axis=1)


def gap_ratios(eigenvalues, *, circular: bool = False) -> np.ndarray:
    """Adjacent gap ratios r~_j = min(r_j, 1/r_j), r_j = s_j / s_{j-1} (no unfolding needed).

    Real spectra: gaps of the sorted levels, (M, N - 2) ratios. Circular spectra
    (``circular=True``, phases or complex eigenvalues): periodic gaps, (M, N) ratios.
    """
    if not isinstance(circular, (bool, np.bool_)):
        raise TypeError(f"circular must be True or False, got {circular!r}")
    if circular:
        gaps = circular_spacings(eigenvalues)
        prev = np.roll(gaps, 1, axis=1)
    else:
        d = np.diff(_real_levels(eigenvalues), axis=1)
        gaps, prev = d[:, 1:], d[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.minimum(gaps, prev) / np.maximum(gaps, prev)
    return np.where(np.maximum(gaps, prev) > 0, r, np.nan)


def mean_gap_ratio(eigenvalues, *, circular: bool = False) -> float:
    """<r~> over all members and levels (degenerate zero gaps are left out)."""
    return float(np.nanmean(gap_ratios(eigenvalues, circular=circular)))


def trace_moments(phases, k) -> np.ndarray:
    """|Tr U^k|^2 = |sum_j exp(i k theta_j)|^2 per member and k: shape (M, len(k)).

    ``phases`` are real phases (wrapped into [-pi, pi] when outside) or complex eigenvalues;
    ``k`` an integer or a 1-D array of integers in [1, 2**53].

    Memory: the (M, len(k)) result plus a working block of at most about 64 MiB (at least
    32 N bytes): members and orders are taken in blocks, with results identical to the
    one-shot (M, len(k), N) computation.
    """
    th = _spectra(phases, "phases", min_levels=1)
    if np.iscomplexobj(th) or np.any(np.abs(th) > np.pi):
        th = np.angle(th if np.iscomplexobj(th) else np.exp(1j * th))  # phases wrapped into [-pi, pi]
    ks = _check_orders(k)
    if ks.ndim > 1 or ks.size == 0 or np.any(ks > 2.0**53):
        raise ValueError(f"k must be an integer or a non-empty 1-D array of integers in [1, 2**53], got {k!r}")
    ks = ks.reshape(-1)
    (m, n), n_k = th.shape, ks.size
    check_memory(f"|Tr U^k|^2 of {m} members for {n_k} orders k", 8.0 * m * n_k)
    out = np.empty((m, n_k))
    m_step, k_step = block_steps(n_k, n, 32)  # the complex arguments and their exponentials
    for i in range(0, m, m_step):
        for j in range(0, n_k, k_step):
            block = 1j * ks[None, j:j + k_step, None] * th[i:i + m_step, None, :]
            out[i:i + m_step, j:j + k_step] = np.abs(np.exp(block).sum(axis=-1)) ** 2
    return out


def form_factor(phases, k) -> np.ndarray:
    """Spectral form factor estimate t_k = mean over members of |Tr U^k|^2, shape (len(k),).

    Compare with :func:`bristol.theory.circular_form_factor`; the standard error of each
    entry is about t_k / sqrt(M) (|Tr U^k|^2 is close to exponential). Memory as
    :func:`trace_moments`: 8 M len(k) bytes plus a working block of about 64 MiB.
    """
    return trace_moments(phases, k).mean(axis=0)


def _check_arc(arc) -> float:
    """``arc`` as a float in [0, 2 pi]."""
    if isinstance(arc, (bool, np.bool_)) or not isinstance(arc, numbers.Real):
        raise TypeError(f"arc must be a real number in [0, 2 pi], got {arc!r}")
    if not 0 <= arc <= TWO_PI:
        raise ValueError(f"arc must lie in [0, 2 pi], got {arc}")
    return float(arc)


def arc_counts(phases, arc: float, n_positions: int = 16) -> np.ndarray:
    """Number of eigenphases in the arcs [phi_p, phi_p + arc), phi_p = 2 pi p / n_positions:
    shape (M, n_positions).

    Memory: the (M, n_positions) counts plus a working block of at most about 64 MiB (at least
    9 N bytes): members and positions are taken in blocks.
    """
    th = _phases(phases)
    arc = _check_arc(arc)
    n_positions = check_int("n_positions", n_positions)
    (m, n) = th.shape
    check_memory(f"arc counts of {m} members at n_positions = {n_positions}", 8.0 * m * n_positions)
    starts = TWO_PI * np.arange(n_positions) / n_positions
    out = np.empty((m, n_positions), dtype=np.intp)
    m_step, p_step = block_steps(n_positions, n, 9)  # float64 offsets and their comparison
    for i in range(0, m, m_step):
        for j in range(0, n_positions, p_step):
            rel = np.mod(th[i:i + m_step, None, :] - starts[None, j:j + p_step, None], TWO_PI)
            out[i:i + m_step, j:j + p_step] = np.sum(rel < arc, axis=-1)
    return out


def number_variance(phases, arc: float, n_positions: int = 16) -> float:
    """Variance of the number of eigenphases in an arc of angle ``arc``.

    Counts in ``n_positions`` rotated arcs of every member are pooled (rotation invariance);
    compare with :func:`bristol.theory.circular_number_variance`. Memory as :func:`arc_counts`.
    """
    counts = arc_counts(phases, arc, n_positions)
    return float(np.var(counts))
