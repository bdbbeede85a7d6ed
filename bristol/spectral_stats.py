"""Standard statistics of random-matrix spectra, batched over a leading ensemble axis.

Every function takes an (M, N) array (M members of N eigenvalues; a 1-D array is one member)
and computes member by member without Python loops. The exact values to compare with are in
:mod:`bristol.theory` (form factors, number variance, surmises, gap-ratio values, densities).
"""
from __future__ import annotations

import numpy as np

from ._validation import check_finite_array, check_int

TWO_PI = 2 * np.pi


def _spectra(values, name: str = "spectra", min_levels: int = 2) -> np.ndarray:
    arr = check_finite_array(name, values)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 1-D or 2-D (members x eigenvalues) array, got shape {arr.shape}")
    if arr.shape[1] < min_levels:
        raise ValueError(f"{name} must hold at least {min_levels} eigenvalues per member, got {arr.shape[1]}")
    return arr


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
    All members are fitted at once (stacked QR). Returns (M, N) unfolded levels, sorted.
    """
    lam = np.sort(_spectra(eigenvalues, "eigenvalues", min_levels=3), axis=1)
    degree = check_int("degree", degree, minimum=1)
    m, n = lam.shape
    if degree >= n:
        raise ValueError(f"degree must be smaller than the number of levels per member ({n}), got {degree}")
    lo, hi = lam[:, :1], lam[:, -1:]
    t = 2 * (lam - lo) / np.where(hi > lo, hi - lo, 1.0) - 1
    basis = np.polynomial.legendre.legvander(t, degree)  # (M, N, degree + 1)
    q, r = np.linalg.qr(basis)
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
    if circular:
        gaps = circular_spacings(eigenvalues)
        prev = np.roll(gaps, 1, axis=1)
    else:
        lam = np.sort(_spectra(eigenvalues, "eigenvalues", min_levels=3), axis=1)
        d = np.diff(lam, axis=1)
        gaps, prev = d[:, 1:], d[:, :-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.minimum(gaps, prev) / np.maximum(gaps, prev)
    return np.where(np.maximum(gaps, prev) > 0, r, np.nan)


def mean_gap_ratio(eigenvalues, *, circular: bool = False) -> float:
    """<r~> over all members and levels (degenerate zero gaps are left out)."""
    return float(np.nanmean(gap_ratios(eigenvalues, circular=circular)))


def trace_moments(phases, k) -> np.ndarray:
    """|Tr U^k|^2 = |sum_j exp(i k theta_j)|^2 per member and k: shape (M, len(k))."""
    th = _spectra(phases, "phases", min_levels=1)
    th = np.angle(th) if np.iscomplexobj(th) else th
    ks = np.atleast_1d(np.asarray(k))
    if ks.size == 0 or np.any(ks < 1) or not np.all(np.mod(ks, 1) == 0):
        raise ValueError(f"k must hold integers >= 1, got {k!r}")
    return np.abs(np.exp(1j * ks[None, :, None] * th[:, None, :]).sum(axis=-1)) ** 2


def form_factor(phases, k) -> np.ndarray:
    """Spectral form factor estimate t_k = mean over members of |Tr U^k|^2, shape (len(k),).

    Compare with :func:`bristol.theory.circular_form_factor`; the standard error of each
    entry is about t_k / sqrt(M) (|Tr U^k|^2 is close to exponential).
    """
    return trace_moments(phases, k).mean(axis=0)


def arc_counts(phases, arc: float, n_positions: int = 16) -> np.ndarray:
    """Number of eigenphases in the arcs [phi_p, phi_p + arc), phi_p = 2 pi p / n_positions:
    shape (M, n_positions)."""
    th = _phases(phases)
    if not 0 <= arc <= TWO_PI:
        raise ValueError(f"arc must lie in [0, 2 pi], got {arc}")
    n_positions = check_int("n_positions", n_positions)
    starts = TWO_PI * np.arange(n_positions) / n_positions
    rel = np.mod(th[:, None, :] - starts[None, :, None], TWO_PI)
    return np.sum(rel < arc, axis=-1)


def number_variance(phases, arc: float, n_positions: int = 16) -> float:
    """Variance of the number of eigenphases in an arc of angle ``arc``.

    Counts in ``n_positions`` rotated arcs of every member are pooled (rotation invariance);
    compare with :func:`bristol.theory.circular_number_variance`.
    """
    counts = arc_counts(phases, arc, n_positions)
    return float(np.var(counts))
