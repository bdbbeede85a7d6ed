"""Eigenphases of a CMV matrix from ONE Hermitian eigenvalue list and Pruefer-phase counts.

The banded path of :mod:`bristol.ensembles._cmv` spends almost all of its time in LAPACK's
tridiagonal eigenvalue solver, once per direction phi. One list x_j = cos(theta_j - phi) gives
every eigenphase up to its side: theta_j is one of the two candidates phi + a_j, phi - a_j,
a_j = arccos(x_j). The Pruefer phase psi(theta) = psi_{N-1}(theta) of the Verblunsky
coefficients (Killip & Stoiciu 2009; docs/theory.md, sections 2 and 8) counts eigenphases
exactly: the number in an arc (t_0, t_1] is the rise of floor((psi - c) / 2 pi),
c = arg conj(alpha_{N-1}), O(N) per end point (the counting kernel of
:mod:`bristol.ensembles._counts`). :func:`phases_from_one_list`:

1. Cells. The 2 N candidates are sorted around the circle and cut into cells at the midpoints
   between neighbours (a gap of at most ``GAP_TOL`` leaves the list to the two-list path); the
   Pruefer count at the 2 N midpoints gives the number of eigenphases in each cell.
2. Sides. Each value takes the candidate whose cell holds one eigenphase, when the cell of the
   other holds none; any other pattern leaves the list to the two-list path (None). Every
   eigenphase lies within rounding of a candidate of its own value, so when every value passes,
   the N chosen cells hold the N eigenphases, one each, and each eigenphase is read from its own
   list value: a wrong side (the mirror image 2 phi - theta of an eigenphase) sits in a cell
   without an eigenphase and is never chosen. This verifies the whole spectrum exactly (the
   counts are exact up to a shift of the arc ends by a few ulps, docs/theory.md, section 8.3).
3. Accuracy. A value read where the list is ill-conditioned, |sin a| < ``REFINE_SIN``
   (d theta / dx = 1 / |sin a| > 4), is refined by bisection on the Pruefer level of its cell,
   from the bracket theta +- ``READING_TOL`` / |sin a| (within its cell) down to ``BISECT_WIDTH``;
   an end the bisection never moved is checked by one count, and a bracket that missed the
   eigenphase is replaced by the whole cell. The other values keep their reading phi +- arccos(x).
4. The sorted projections cos(theta_j - phi) must match the list within ``VERIFY_TOL``.

Cost: one banded solve (O(N^2), dominated by LAPACK dsterf) and about 3 N Pruefer recursions
of N - 1 steps, compiled with numba (``bristol[fast]``), a fraction of a solve. Without numba the
recursion would cost more than the solve it saves, and :mod:`bristol.ensembles._cmv` keeps the
two-list path.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from ._counts import _run

__all__ = ["GAP_TOL", "READING_TOL", "REFINE_SIN", "BISECT_WIDTH", "VERIFY_TOL", "pruefer_levels",
           "phases_from_one_list"]

#: Neighbouring candidates closer than this (radians) leave the list to the two-list path.
GAP_TOL = 1e-11
#: Bound assumed on the error of a listed value x when refining (LAPACK's is about 1e-16, rarely up
#: to 2.5e-14 at N = 1e4); a bracket that turns out not to hold the eigenphase falls back on the cell.
READING_TOL = 1e-14
#: Readings with |sin a| below this (d theta / dx = 1 / |sin a| above 4) are refined by bisection.
REFINE_SIN = 0.25
#: Bisection stops when the bracket is at most this wide (radians; a few ulps of pi).
BISECT_WIDTH = 2e-15
#: Largest mismatch of sorted projections accepted when verifying (as in the two-list path).
VERIFY_TOL = 1e-9


def pruefer_levels(
    alpha: NDArray[np.complex128], theta: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Level index and residual of the Pruefer phase at the angles ``theta``.

    Parameters
    ----------
    alpha : ndarray of complex, shape (n,)
        Verblunsky coefficients of one CMV matrix, n >= 2 (not checked).
    theta : ndarray of float, shape (k,)
        Angles (any real; only e^{i theta} enters).

    Returns
    -------
    index : ndarray of int, shape (k,)
        The integer m nearest to (psi_{n-1}(theta) - c) / 2 pi, c = arg conj(alpha_{n-1}).
    rho : ndarray of float, shape (k,)
        psi_{n-1}(theta) - c - 2 pi m, in [-pi, pi]: 0 at an eigenphase. ``index - (rho < 0)`` is
        floor((psi - c) / 2 pi), whose rise over an arc counts the eigenphases in it.

    Notes
    -----
    The counting kernel of :mod:`bristol.ensembles._counts`, compiled with numba where it is
    installed, else run as Python loops (slow: for tests at small n).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles._cmv import cmv_eigphases
    >>> from bristol.ensembles._cmv_pruefer import pruefer_levels
    >>> alpha = np.array([0.3, 0.5j, -0.2, 1j])
    >>> index, rho = pruefer_levels(alpha, cmv_eigphases(alpha, method="dense"))
    >>> bool(np.abs(rho).max() < 1e-12), sorted(index % 4) == [0, 1, 2, 3]
    (True, True)
    """
    c, s = np.cos(theta), np.sin(theta)
    x, y, w = c[None, :].copy(), s[None, :].copy(), np.zeros((1, theta.size), dtype=np.int64)
    ar, ai = np.ascontiguousarray(alpha.real[None, :]), np.ascontiguousarray(alpha.imag[None, :])
    _run("pruefer", [ar, ai, c, s, x, y, w], None)  # numba where it imports, else the numpy loop
    r = np.where((y[0] == 0) & (x[0] < 0), np.pi, np.arctan2(y[0], x[0]))  # arg(u) in (-pi, pi], as w counts
    shift = (r + np.angle(alpha[-1])) / (2 * np.pi)  # (psi - c) / 2 pi - w
    level = np.round(shift)
    return w[0] + level.astype(np.int64), 2 * np.pi * (shift - level)


def _floor_levels(alpha: NDArray[np.complex128], theta: NDArray[np.float64]) -> NDArray[np.int64]:
    """floor((psi(theta) - c) / 2 pi): its rise over an arc is the number of eigenphases in it."""
    index, rho = pruefer_levels(alpha, theta)
    return index - (rho < 0)


def _bisect(
    alpha: NDArray[np.complex128], lo: NDArray[np.float64], hi: NDArray[np.float64], level: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Bisect the brackets (lo, hi] for the eigenphase of Pruefer level ``level`` (modulo n) down
    to BISECT_WIDTH. Returns the midpoints, and whether each final bracket is known to hold the
    eigenphase: an end that was never moved is checked by one count (an initial bracket that
    misses the eigenphase ends at that end)."""
    n = alpha.size
    moved = np.zeros((2, lo.size), dtype=bool)  # lo, hi replaced by an evaluated midpoint
    todo = hi - lo > BISECT_WIDTH
    while todo.any():
        mid = 0.5 * (lo[todo] + hi[todo])
        after = (_floor_levels(alpha, mid) - level[todo]) % n == 0  # the level is reached at mid
        hi[todo] = np.where(after, mid, hi[todo])
        lo[todo] = np.where(after, lo[todo], mid)
        moved[:, todo] |= np.stack([~after, after])
        todo = hi - lo > BISECT_WIDTH
    held = np.ones(lo.size, dtype=bool)
    for end, expected, bound in ((0, n - 1, lo), (1, 0, hi)):
        check = ~moved[end]
        if check.any():
            held[check] &= (_floor_levels(alpha, bound[check]) - level[check]) % n == expected
    return 0.5 * (lo + hi), held


def phases_from_one_list(
    x: NDArray[np.float64], phi: float, alpha: NDArray[np.complex128]
) -> NDArray[np.float64] | None:
    """Sorted eigenphases in (-pi, pi] of the CMV matrix of ``alpha`` from one list, or None.

    Parameters
    ----------
    x : ndarray of float, shape (n,)
        The sorted eigenvalues cos(theta_j - phi) of H_phi = (e^{-i phi} C + e^{i phi} C^H) / 2.
    phi : float
        The direction of the list.
    alpha : ndarray of complex, shape (n,)
        The Verblunsky coefficients of C, n >= 3 (not checked).

    Returns
    -------
    ndarray of float, shape (n,), or None
        The phases (steps 1-4 of the module notes), or None where the counts leave a side open
        or the verification fails: the caller then adds a second list.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.linalg import eig_banded
    >>> from bristol.ensembles._cmv import _hermitian_part_bands, cmv_diagonals, cmv_eigphases
    >>> from bristol.ensembles._cmv_pruefer import phases_from_one_list
    >>> alpha = np.r_[0.6 * np.exp(1j * np.arange(59)), 1j]
    >>> x = eig_banded(_hermitian_part_bands(cmv_diagonals(alpha), 0.3), eigvals_only=True)
    >>> bool(np.allclose(phases_from_one_list(x, 0.3, alpha), cmv_eigphases(alpha, method="dense")))
    True
    """
    n = x.size
    if np.any(np.abs(alpha[:-1]) >= 1):  # C decouples (rho_k = 0): psi no longer sees the whole matrix
        return None
    a = np.arccos(np.clip(x, -1.0, 1.0))
    cand = np.angle(np.exp(1j * np.concatenate([phi + a, phi - a])))  # (2n,): + candidates, then -
    order = np.argsort(cand)
    s = cand[order]
    gaps = np.diff(s, append=s[0] + 2 * np.pi)
    if gaps.min() <= GAP_TOL:
        return None
    upper = s + 0.5 * gaps  # cell r of s[r] is (upper[r - 1], upper[r]], cyclically
    floors = _floor_levels(alpha, upper)
    counts = np.empty(2 * n, dtype=np.int64)
    counts[order] = (floors - np.roll(floors, 1)) % n
    plus = counts[:n] == 1
    if not np.all(np.where(plus, counts[n:] == 0, (counts[:n] == 0) & (counts[n:] == 1))):
        return None
    pick = np.where(plus, np.arange(n), np.arange(n, 2 * n))
    theta = cand[pick]
    refine = np.flatnonzero(np.sin(a) < REFINE_SIN)
    if refine.size:
        rank = np.argsort(order)[pick[refine]]  # position of each refined candidate in s
        cell_lo, cell_hi = upper[rank - 1] - 2 * np.pi * (rank == 0), upper[rank]
        level = floors[rank] % n
        width = READING_TOL / np.maximum(np.sin(a[refine]), math.sqrt(READING_TOL))
        lo = np.maximum(theta[refine] - width, cell_lo)
        hi = np.minimum(theta[refine] + width, cell_hi)
        refined, held = _bisect(alpha, lo, hi, level)
        if not held.all():  # the reading was further off than READING_TOL: bisect the whole cell
            refined[~held] = _bisect(alpha, cell_lo[~held], cell_hi[~held], level[~held])[0]
        theta[refine] = np.angle(np.exp(1j * refined))
    theta = np.sort(theta)
    if np.max(np.abs(np.sort(np.cos(theta - phi)) - x)) > VERIFY_TOL:
        return None
    return theta
