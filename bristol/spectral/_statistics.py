r"""Standard statistics of random-matrix spectra, batched over a leading ensemble axis.

Every function takes an (M, N) array (M members of N eigenvalues; a 1-D array is one member)
and computes member by member without Python loops. The exact values to compare with are in
:mod:`bristol.theory` (form factors, number variance, surmises, gap-ratio values, densities);
their derivations are in docs/theory.md, section 3.
"""
from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .._validation import block_steps, check_finite_array, check_int, check_memory, check_numeric
from ..theory import _TWO_PI, _check_arc, _check_orders
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

#: 2 pi, the length of the unit circle (the one constant of :mod:`bristol.theory`).
TWO_PI = _TWO_PI


def _spectra(values: ArrayLike, name: str = "spectra", min_levels: int = 2, real: bool = False) -> NDArray:
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


def _real_levels(values: ArrayLike, name: str = "eigenvalues", min_levels: int = 3) -> NDArray[np.float64]:
    """Sorted float64 real levels (M, N), each member scaled by a power of two (exact) so that
    its range lies in [1, 2): differences never overflow, and ratios and unfolding are unchanged."""
    lam = np.sort(_spectra(values, name, min_levels, real=True).astype(float), axis=1)
    shift, _, _ = _scaled_grid(lam)
    return np.ldexp(lam, shift[:, None])


def _phases(values: ArrayLike) -> NDArray[np.float64]:
    """Sorted phases in [-pi, pi] (M, N) of real phases or complex eigenvalues."""
    arr = _spectra(values, "phases")
    return np.sort(np.angle(arr if np.iscomplexobj(arr) else np.exp(1j * arr)), axis=1)


def circular_spacings(phases: ArrayLike) -> NDArray[np.float64]:
    r"""Periodic nearest-neighbour spacings of eigenphases, scaled to mean 1.

    Parameters
    ----------
    phases : array_like, shape (M, N) or (N,)
        Real eigenphases (any real values: they are taken modulo :math:`2\pi`) or complex
        eigenvalues (their phases are used); at least 2 per member.

    Returns
    -------
    ndarray of float64, shape (M, N)
        :math:`s_j = N (\theta_{j+1} - \theta_j) / (2\pi)` of the sorted phases of each
        member, the gap from the last phase back to the first included, so every row has
        mean exactly 1.

    Raises
    ------
    TypeError
        If ``phases`` does not hold numbers.
    ValueError
        If ``phases`` is empty, not 1-D or 2-D, holds NaN or Inf, or fewer than 2 phases per
        member.

    Notes
    -----
    No unfolding is needed on the circle: the one-point density of a rotation-invariant
    circular ensemble is uniform. Compare with :func:`bristol.theory.wigner_surmise`
    (docs/theory.md, section 3.3).

    References
    ----------
    * F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral import circular_spacings
    >>> s = circular_spacings([-3.0, -1.0, 0.5, 2.0])
    >>> s.shape, bool(np.isclose(s.mean(), 1.0))
    ((1, 4), True)
    """
    th = _phases(phases)
    gaps = np.diff(np.concatenate([th, th[:, :1] + TWO_PI], axis=1), axis=1)
    return gaps * th.shape[1] / TWO_PI


def unfold(eigenvalues: ArrayLike, degree: int = 7) -> NDArray[np.float64]:
    r"""Unfold real spectra with a polynomial fit of the counting function, member by member.

    Parameters
    ----------
    eigenvalues : array_like, shape (M, N) or (N,)
        Real eigenvalues, in any order; at least 3 per member.
    degree : int, default 7
        Degree (>= 1) of the Legendre series fitted to each member's staircase. A parameter,
        not a search: choose it for the ensemble at hand.

    Returns
    -------
    ndarray of float64, shape (M, N)
        The unfolded levels of each member, sorted.

    Raises
    ------
    TypeError
        If ``eigenvalues`` is complex or not numeric, or ``degree`` is not an integer.
    ValueError
        If ``eigenvalues`` is empty, holds NaN or Inf, has fewer than 3 levels per member,
        a member has no more distinct levels than ``degree``, or its levels are so close
        together that the fit is numerically singular.

    Notes
    -----
    The sorted levels :math:`\lambda_1 \le \dots \le \lambda_N` of a member are mapped to
    :math:`\xi_j = P(\lambda_j)`, where :math:`P` (a Legendre series on the member's range) is
    the least-squares fit of the staircase :math:`j - 1/2` at :math:`\lambda_j`; the unfolded
    levels have mean spacing 1 away from the edges. All members are fitted at once (stacked
    QR) in float64, each scaled by a power of two first (exact), so no difference overflows.

    References
    ----------
    * F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral import unfold
    >>> xi = unfold(np.arange(10.0) ** 1.5, degree=3)
    >>> xi.shape, bool(np.all(np.diff(xi) > 0))
    ((1, 10), True)
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


def spacings(eigenvalues: ArrayLike, degree: int = 7) -> NDArray[np.float64]:
    r"""Nearest-neighbour spacings of unfolded real spectra.

    Parameters
    ----------
    eigenvalues : array_like, shape (M, N) or (N,)
        Real eigenvalues, in any order; at least 3 per member.
    degree : int, default 7
        Degree of the unfolding fit (see :func:`unfold`).

    Returns
    -------
    ndarray of float64, shape (M, N - 1)
        :math:`\xi_{j+1} - \xi_j` of the unfolded levels of each member.

    Raises
    ------
    TypeError, ValueError
        As :func:`unfold`.

    Notes
    -----
    Compare the distribution of the spacings with :func:`bristol.theory.wigner_surmise`
    (docs/theory.md, section 3.3).

    References
    ----------
    * M. L. Mehta, *Random Matrices*, 3rd ed., Elsevier (2004).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral import spacings
    >>> bool(np.allclose(spacings(np.arange(10.0), degree=1), 1.0))  # a uniform ladder
    True
    """
    return np.diff(unfold(eigenvalues, degree), axis=1)


def gap_ratios(eigenvalues: ArrayLike, *, circular: bool = False) -> NDArray[np.float64]:
    r"""Adjacent gap ratios :math:`\tilde r_j = \min(r_j, 1/r_j)`, :math:`r_j = s_j / s_{j-1}`.

    Parameters
    ----------
    eigenvalues : array_like, shape (M, N) or (N,)
        Real eigenvalues (any order; at least 3 per member), or with ``circular=True`` real
        phases or complex eigenvalues (at least 2 per member).
    circular : bool, default False
        Whether the spectra lie on the unit circle: then the gaps are periodic.

    Returns
    -------
    ndarray of float64
        Shape (M, N - 2) for real spectra (gaps of the sorted levels), (M, N) for circular
        ones; NaN where both gaps are zero (degenerate levels).

    Raises
    ------
    TypeError
        If ``circular`` is not a bool, or the spectra are not numeric (complex ones need
        ``circular=True``).
    ValueError
        If the spectra are empty, hold NaN or Inf, or have too few levels per member.

    Notes
    -----
    The ratio of consecutive gaps needs no unfolding: the local density cancels. Compare with
    :func:`bristol.theory.gap_ratio_surmise` and the mean values
    ``bristol.theory.MEAN_GAP_RATIO_SURMISE`` and ``MEAN_GAP_RATIO_LARGE_N``
    (docs/theory.md, section 3.4).

    References
    ----------
    * V. Oganesyan, D. A. Huse, Phys. Rev. B 75, 155111 (2007).
    * Y. Y. Atas, E. Bogomolny, O. Giraud, G. Roux, Phys. Rev. Lett. 110, 084101 (2013).

    Examples
    --------
    >>> from bristol.spectral import gap_ratios
    >>> gap_ratios([0.0, 1.0, 3.0, 4.0])
    array([[0.5, 0.5]])
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


def mean_gap_ratio(eigenvalues: ArrayLike, *, circular: bool = False) -> float:
    r"""Mean adjacent gap ratio :math:`\langle \tilde r \rangle` over all members and levels.

    Parameters
    ----------
    eigenvalues : array_like, shape (M, N) or (N,)
        As :func:`gap_ratios`.
    circular : bool, default False
        As :func:`gap_ratios`.

    Returns
    -------
    float
        The mean of the ratios of :func:`gap_ratios`, degenerate (NaN) ones left out.

    Raises
    ------
    TypeError, ValueError
        As :func:`gap_ratios`.

    Notes
    -----
    Compare with ``bristol.theory.MEAN_GAP_RATIO_LARGE_N`` (0.5307, 0.5996, 0.6744 for
    beta = 1, 2, 4; Poisson :math:`2 \ln 2 - 1`) (docs/theory.md, section 3.4).

    References
    ----------
    * Y. Y. Atas, E. Bogomolny, O. Giraud, G. Roux, Phys. Rev. Lett. 110, 084101 (2013).

    Examples
    --------
    >>> from bristol.ensembles import circular_eigphases
    >>> from bristol.spectral import mean_gap_ratio
    >>> from bristol.theory import MEAN_GAP_RATIO_LARGE_N
    >>> phases = circular_eigphases(20, beta=2, size=400, random_state=0)
    >>> abs(mean_gap_ratio(phases, circular=True) - MEAN_GAP_RATIO_LARGE_N[2]) < 0.02
    True
    """
    return float(np.nanmean(gap_ratios(eigenvalues, circular=circular)))


def trace_moments(phases: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    r"""Squared moduli of the traces :math:`|\mathrm{Tr}\,U^k|^2` of every member and order.

    Parameters
    ----------
    phases : array_like, shape (M, N) or (N,)
        Real eigenphases (wrapped into :math:`[-\pi, \pi]` when outside) or complex
        eigenvalues; at least 1 per member.
    k : int or array_like of int
        An order or a non-empty 1-D array of orders, integers in [1, 2**53].

    Returns
    -------
    ndarray of float64, shape (M, len(k))
        :math:`|\sum_j e^{i k \theta_j}|^2` for each member and order.

    Raises
    ------
    TypeError
        If ``phases`` or ``k`` do not hold numbers (``k`` bool included).
    ValueError
        If ``phases`` is empty, not 1-D or 2-D or holds NaN or Inf; if ``k`` is empty, not
        1-D, or holds a value that is not an integer in [1, 2**53]; or if the result does not
        fit in memory.

    Notes
    -----
    Memory: the (M, len(k)) result plus a working block of at most about 64 MiB (at least
    32 N bytes): members and orders are taken in blocks, with results identical to the
    one-shot (M, len(k), N) computation.

    References
    ----------
    * P. Diaconis, M. Shahshahani, J. Appl. Probab. 31A, 49-62 (1994).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral import trace_moments
    >>> trace_moments(np.zeros((2, 3)), [1, 2])  # three phases at 0: the trace is 3
    array([[9., 9.],
           [9., 9.]])
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


def form_factor(phases: ArrayLike, k: ArrayLike) -> NDArray[np.float64]:
    r"""Spectral form factor estimate :math:`t_k`: the mean of :math:`|\mathrm{Tr}\,U^k|^2` over members.

    Parameters
    ----------
    phases : array_like, shape (M, N) or (N,)
        As :func:`trace_moments`.
    k : int or array_like of int
        As :func:`trace_moments`.

    Returns
    -------
    ndarray of float64, shape (len(k),)
        The ensemble mean of :func:`trace_moments` for each order.

    Raises
    ------
    TypeError, ValueError
        As :func:`trace_moments`.

    Notes
    -----
    Compare with :func:`bristol.theory.circular_form_factor`. :math:`|\mathrm{Tr}\,U^k|^2` is
    close to exponentially distributed, so the standard error of each entry is about
    :math:`t_k / \sqrt{M}` (docs/theory.md, section 3.1). Memory as :func:`trace_moments`.

    References
    ----------
    * P. Diaconis, M. Shahshahani, J. Appl. Probab. 31A, 49-62 (1994).
    * F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigphases
    >>> from bristol.spectral import form_factor
    >>> from bristol.theory import circular_form_factor
    >>> phases = circular_eigphases(20, beta=2, size=400, random_state=0)
    >>> k = [1, 5, 30]
    >>> bool(np.allclose(form_factor(phases, k), circular_form_factor(20, k), rtol=0.25))
    True
    """
    return trace_moments(phases, k).mean(axis=0)


def arc_counts(phases: ArrayLike, arc: float, n_positions: int = 16) -> NDArray[np.intp]:
    r"""Number of eigenphases in rotated arcs of one angle, for every member.

    Parameters
    ----------
    phases : array_like, shape (M, N) or (N,)
        Real eigenphases (taken modulo :math:`2\pi`) or complex eigenvalues; at least 2 per
        member.
    arc : float
        The arc angle, a real number in :math:`[0, 2\pi]`.
    n_positions : int, default 16
        Number (>= 1) of arcs per member, starting at :math:`\phi_p = 2\pi p / n_{positions}`.

    Returns
    -------
    ndarray of intp, shape (M, n_positions)
        The number of phases in :math:`[\phi_p, \phi_p + \mathrm{arc})` (modulo :math:`2\pi`).

    Raises
    ------
    TypeError
        If ``phases`` does not hold numbers, ``arc`` is not a real number or ``n_positions``
        not an integer.
    ValueError
        If ``phases`` is empty, not 1-D or 2-D or holds NaN or Inf, ``arc`` lies outside
        :math:`[0, 2\pi]`, ``n_positions`` < 1, or the counts do not fit in memory.

    Notes
    -----
    Memory: the (M, n_positions) counts plus a working block of at most about 64 MiB (at
    least 9 N bytes): members and positions are taken in blocks.

    References
    ----------
    * M. L. Mehta, *Random Matrices*, 3rd ed., Elsevier (2004).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.spectral import arc_counts
    >>> arc_counts([0.1, 1.0, 2.0, 4.0], np.pi, n_positions=4)
    array([[3, 2, 1, 2]])
    """
    th = _phases(phases)
    arc = float(_check_arc(arc, scalar=True))
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


def number_variance(phases: ArrayLike, arc: float, n_positions: int = 16) -> float:
    r"""Variance of the number of eigenphases in an arc of angle ``arc``.

    Parameters
    ----------
    phases : array_like, shape (M, N) or (N,)
        As :func:`arc_counts`.
    arc : float
        The arc angle, in :math:`[0, 2\pi]`.
    n_positions : int, default 16
        Rotated arcs per member (see :func:`arc_counts`).

    Returns
    -------
    float
        The variance of the pooled counts of all members and positions.

    Raises
    ------
    TypeError, ValueError
        As :func:`arc_counts`.

    Notes
    -----
    The counts in rotated arcs of every member are pooled, which rotation invariance of the
    circular ensembles allows. Compare with :func:`bristol.theory.circular_number_variance`
    (docs/theory.md, section 3.5). Memory as :func:`arc_counts`.

    References
    ----------
    * F. J. Dyson, M. L. Mehta, J. Math. Phys. 4, 701-712 (1963).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.ensembles import circular_eigphases
    >>> from bristol.spectral import number_variance
    >>> from bristol.theory import circular_number_variance
    >>> phases = circular_eigphases(20, beta=2, size=400, random_state=0)
    >>> arc = 2 * np.pi * 5 / 20  # five levels on average
    >>> bool(abs(number_variance(phases, arc) - circular_number_variance(20, arc)) < 0.05)
    True
    """
    counts = arc_counts(phases, arc, n_positions)
    return float(np.var(counts))
