r"""Exact reference values for the random-matrix ensembles (finite N where known).

The values that bristol's samplers and spectral statistics are tested against; each is
derived in ``docs/theory.md`` (the section is named in each docstring):

* the form factor :math:`t_k = E\,|\mathrm{Tr}\,U^k|^2` of the circular ensembles, exact at
  every N (docs/theory.md, section 3.1; for the CSE the trace runs over the N distinct
  eigenvalues):

  - CUE: :math:`t_k = \min(k, N)` (Diaconis & Shahshahani 1994);
  - COE: :math:`t_k = 2k - k \sum_{m=1}^{k} 1/(m + (N-1)/2)` for :math:`k \le N` and
    :math:`t_k = 2N - k \sum_{m=1}^{N} 1/(m + k - (N+1)/2)` for :math:`k \ge N` (Haake 2010);
  - CSE: :math:`t_k = k/2 + (k/4) \sum_{m=1}^{k} 1/(N + 1/2 - m)` for :math:`k \le 2N` and
    :math:`t_k = N` beyond (Haake 2010);
  - any :math:`\beta > 0`: :math:`t_1 = N / (1 + \beta (N - 1)/2)` (Killip & Nenciu 2004);

* the number variance of an arc (section 3.5), the Wigner surmise (section 3.3), the
  gap-ratio surmise and its mean (section 3.4; Atas et al. 2013);
* the normalisation, trace moments and semicircle of bristol's Gaussian ensembles
  (sections 4.1-4.3; Dumitriu & Edelman 2002);
* the Tracy-Widom laws :math:`F_1, F_2, F_4` as ``scipy.stats`` distributions, from
  Bornemann's quadrature of Fredholm determinants, the finite-n centre and scale that map the
  largest eigenvalue of the Gaussian and Laguerre ensembles to them (section 9.1; Johnstone
  2001; Ramirez, Rider & Virag 2011), and the Marchenko-Pastur and Wachter
  densities in bristol's Wishart convention (section 9; Tracy & Widom 1994, 1996;
  Bornemann 2010; Marchenko & Pastur 1967; Wachter 1980).

The tests compare these with the sums in exact rational arithmetic and with sampled ensembles.

References
----------
* P. Diaconis, M. Shahshahani, "On the eigenvalues of random matrices", J. Appl. Probab.
  31A, 49-62 (1994).
* F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010).
* R. Killip, I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res. Not.
  2004(50), 2665-2701.
* I. Dumitriu, A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
  5830-5847 (2002).
* Y. Y. Atas, E. Bogomolny, O. Giraud, G. Roux, "Distribution of the ratio of consecutive
  level spacings in random matrix ensembles", Phys. Rev. Lett. 110, 084101 (2013).
* C. A. Tracy, H. Widom, "Level-spacing distributions and the Airy kernel", Commun. Math.
  Phys. 159, 151-174 (1994); "On orthogonal and symplectic matrix ensembles", Commun. Math.
  Phys. 177, 727-754 (1996).
* F. Bornemann, "On the numerical evaluation of Fredholm determinants", Math. Comp. 79,
  871-915 (2010).
* I. M. Johnstone, "On the distribution of the largest eigenvalue in principal components
  analysis", Ann. Statist. 29, 295-327 (2001).
* J. A. Ramirez, B. Rider, B. Virag, "Beta ensembles, stochastic Airy spectrum, and a
  diffusion", J. Amer. Math. Soc. 24, 919-944 (2011).
* V. A. Marchenko, L. A. Pastur, "Distribution of eigenvalues for some sets of random
  matrices", Math. USSR Sb. 1, 457-483 (1967).
* K. W. Wachter, "The limiting empirical measure of multiple discriminant ratios", Ann.
  Statist. 8, 937-957 (1980).
"""
from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import digamma

from ._fredholm import TracyWidomDistribution
from ._validation import block_steps, check_degrees_of_freedom, check_int, check_numeric, check_positive_real

__all__ = [
    "COE_TERMS_PER_LEVEL",
    "circular_form_factor",
    "circular_first_form_factor",
    "circular_number_variance",
    "wigner_surmise",
    "MEAN_GAP_RATIO_SURMISE",
    "MEAN_GAP_RATIO_LARGE_N",
    "gap_ratio_surmise",
    "semicircle_density",
    "circle_density",
    "gaussian_trace_moment",
    "semicircle_radius",
    "laguerre_trace_moment",
    "jacobi_trace_moment",
    "tracy_widom",
    "EdgeScaling",
    "gaussian_edge_scaling",
    "laguerre_edge_scaling",
    "marchenko_pastur_density",
    "wachter_density",
]

#: The series of the COE number variance is summed to k_max = 2000 N by default (error < 1e-9 N).
COE_TERMS_PER_LEVEL = 2000
_TWO_PI = 2 * np.pi

# --- argument checks shared with bristol.spectral (the statistics that these values describe) ----


def _is_real_number(value: object) -> bool:
    """Whether ``value`` is a real scalar (Python or numpy), bools excluded."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check_beta(beta: float, allowed: tuple[int, ...], what: str) -> int:
    """``beta`` as an int from ``allowed`` (TypeError for a non-number, ValueError otherwise)."""
    if not _is_real_number(beta):
        raise TypeError(f"beta must be one of {allowed} for {what}, got {beta!r}")
    if beta not in allowed:
        raise ValueError(f"beta must be one of {allowed} for {what}, got {beta!r}")
    return int(beta)


def _check_n(n: int) -> int:
    """The number of levels N: an integer in [1, 2**53] (exact in float64)."""
    n = check_int("n", n)
    if n > 2**53:
        raise ValueError(f"n must be at most 2**53, got {n}")
    return n


def _finite(value: float, n: int, beta: float) -> float:
    """``value`` (a float64 computed from N and beta), refusing an overflow."""
    if not np.isfinite(value):
        raise ValueError(f"n = {n} and beta = {beta!r} overflow float64 here")
    return float(value)


def _check_values(name: str, values: ArrayLike) -> NDArray[np.float64]:
    """``values`` (any shape, possibly empty) as a float64 array of finite real numbers."""
    arr = check_numeric(name, values)
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got NaN or Inf")
    return arr


def _check_orders(k: ArrayLike) -> NDArray[np.float64]:
    """The orders ``k`` (any shape, integers >= 1) as a float64 array of the same shape."""
    ks = np.asarray(k)
    if ks.dtype == bool or not (np.issubdtype(ks.dtype, np.integer) or np.issubdtype(ks.dtype, np.floating)):
        raise TypeError(f"k must hold integers >= 1, got {k!r}")
    ks = ks.astype(float)
    if not (np.all(np.isfinite(ks)) and np.all(ks >= 1) and np.all(np.mod(ks, 1) == 0)):
        raise ValueError(f"k must hold integers >= 1, got {k!r}")
    return ks


def _check_arc(arc: ArrayLike, *, scalar: bool = False) -> NDArray[np.float64]:
    """Arc angles ``arc`` in [0, 2 pi] as a float64 array (a real number when ``scalar``)."""
    if scalar and not _is_real_number(arc):
        raise TypeError(f"arc must be a real number in [0, 2 pi], got {arc!r}")
    arcs = _check_values("arc", arc)
    if np.any(arcs < 0) or np.any(arcs > _TWO_PI):
        raise ValueError(f"arc must lie in [0, 2 pi], got {arcs if arcs.ndim else float(arcs)}")
    return arcs


def _digamma_difference(x: ArrayLike, m: ArrayLike) -> NDArray[np.float64]:
    """psi(x + m) - psi(x) = sum_{j=0}^{m-1} 1/(x + j) for m >= 1, to near full relative
    precision also where x >> m and the two digammas cancel: for x >= 100 from the asymptotic
    series psi(x) ~ ln x - 1/(2x) - 1/(12x^2) + 1/(120x^4), differenced term by term
    (relative truncation error below 1e-14; the plain difference loses up to 1e-13 at x = 100
    and grows as x / m)."""
    x = np.asarray(x, dtype=float)
    m = np.broadcast_to(np.asarray(m, dtype=float), x.shape)
    out = np.empty(x.shape)
    far = x >= 100
    direct = ~far
    out[direct] = digamma(x[direct] + m[direct]) - digamma(x[direct])
    d, u = m[far], 1 / x[far]
    v = 1 / (x[far] + d)
    w = d * u * v  # = u - v
    out[far] = np.log1p(d * u) + w / 2 + w * (u + v) / 12 - w * (u + v) * (u * u + v * v) / 120
    return out


def _form_factor_values(n: int, ks: NDArray[np.float64], beta: int) -> NDArray[np.float64]:
    """t_k of the COE/CUE/CSE (beta = 1, 2, 4) for float64 orders ``ks`` >= 1 (vectorised,
    O(1) per k: the harmonic-type sums of the module docstring as digamma differences)."""
    if beta == 2:
        return np.minimum(ks, float(n))
    if beta == 1:
        small = ks <= n
        return np.where(small,
                        2 * ks - ks * _digamma_difference(np.full(ks.shape, (n + 1) / 2), np.where(small, ks, 1.0)),
                        2 * n - ks * _digamma_difference(ks - (n - 1) / 2, float(n)))
    inside = ks < 2 * n
    k_in = np.where(inside, ks, 1.0)
    return np.where(inside, k_in / 2 + k_in / 4 * _digamma_difference(n + 0.5 - k_in, k_in), float(n))


def circular_form_factor(n: int, k: ArrayLike, beta: int = 2) -> NDArray[np.float64]:
    r"""Exact form factor of the COE, CUE or CSE with N eigenphases.

    Parameters
    ----------
    n : int
        The number N of distinct eigenphases, in [1, 2**53] (for the CSE, the N distinct
        eigenvalues of the 2N x 2N matrix).
    k : int or array_like of int
        Orders :math:`k \ge 1`, any shape.
    beta : {1, 2, 4}, default 2
        The ensemble: 1 COE, 2 CUE, 4 CSE.

    Returns
    -------
    ndarray of float64
        :math:`t_k` for every order, with the shape of ``k``.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, ``k`` does not hold numbers, or ``beta`` is not a number.
    ValueError
        If ``n`` is out of range, an order is not an integer >= 1, or ``beta`` is not 1, 2 or 4.

    See Also
    --------
    circular_first_form_factor : The first order for any :math:`\beta > 0`.
    bristol.spectral.form_factor : The estimate from sampled spectra.

    Notes
    -----
    :math:`t_k = E\,|\sum_{j=1}^{N} e^{i k \theta_j}|^2`. The finite sums of the module
    docstring are evaluated as differences of digamma functions, O(1) time and memory per
    order (an asymptotic series where the digammas nearly cancel), so orders up to
    :math:`2^{53}` cost the same as small ones. Derivation and a table of values in
    docs/theory.md, section 3.1.

    References
    ----------
    * P. Diaconis, M. Shahshahani, J. Appl. Probab. 31A, 49-62 (1994) (CUE).
    * F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010) (COE, CSE).

    Examples
    --------
    >>> from bristol.theory import circular_form_factor
    >>> circular_form_factor(5, [1, 2, 5, 6])
    array([1., 2., 5., 5.])
    >>> circular_form_factor(5, [1, 6], beta=1).round(6)
    array([1.666667, 4.692857])
    >>> float(circular_form_factor(5, 10, beta=4))
    5.0
    """
    n = _check_n(n)
    beta = _check_beta(beta, (1, 2, 4), "the exact form factor")
    return _form_factor_values(n, _check_orders(k), beta)


def circular_first_form_factor(n: int, beta: float) -> float:
    r"""Exact first form factor :math:`t_1` of the circular beta-ensemble, any :math:`\beta > 0`.

    Parameters
    ----------
    n : int
        The number N of eigenphases, in [1, 2**53].
    beta : float
        The Dyson index, a finite real number > 0.

    Returns
    -------
    float
        :math:`t_1 = E\,|\sum_j e^{i \theta_j}|^2 = N / (1 + \beta (N - 1)/2)`.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``beta`` not a real number.
    ValueError
        If ``n`` < 1 or ``n`` > 2**53, or ``beta`` is not finite and > 0.

    Notes
    -----
    From the first Verblunsky coefficient of the Killip-Nenciu CMV model; it reduces to
    2N/(N+1), 1 and N/(2N-1) for beta = 1, 2, 4 (docs/theory.md, section 3.1).

    References
    ----------
    * R. Killip, I. Nenciu, "Matrix models for circular ensembles", Int. Math. Res. Not.
      2004(50), 2665-2701.

    Examples
    --------
    >>> from bristol.theory import circular_first_form_factor
    >>> circular_first_form_factor(5, 0.5)
    2.5
    >>> circular_first_form_factor(5, 2)
    1.0
    """
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    return n / (1.0 + beta * (n - 1) / 2.0)


def circular_number_variance(n: int, arc: ArrayLike, beta: int = 2, k_max: int | None = None) -> NDArray[np.float64]:
    r"""Exact variance of the number of eigenphases in an arc, for the COE, CUE or CSE.

    Parameters
    ----------
    n : int
        The number N of eigenphases, in [1, 2**53].
    arc : float or array_like of float
        Arc angles :math:`\theta` in :math:`[0, 2\pi]`, any shape.
    beta : {1, 2, 4}, default 2
        The ensemble: 1 COE, 2 CUE, 4 CSE.
    k_max : int, optional
        COE only: the last term of the series (default ``COE_TERMS_PER_LEVEL * n`` = 2000 N,
        error below 1e-9 N). Refused for the CUE and CSE, whose series are finite and exact.

    Returns
    -------
    ndarray of float64
        :math:`\mathrm{Var}\, n_\theta` for every arc, with the shape of ``arc``.

    Raises
    ------
    TypeError
        If ``n``, ``k_max`` are not integers, ``arc`` is not real, or ``beta`` not a number.
    ValueError
        If an arc lies outside :math:`[0, 2\pi]` or is not finite, ``beta`` is not 1, 2 or 4,
        or ``k_max`` is given for the CUE or CSE.

    See Also
    --------
    bristol.spectral.number_variance : The estimate from sampled spectra.

    Notes
    -----
    For a rotation-invariant circular ensemble the traces of different orders are
    uncorrelated, :math:`E[\mathrm{Tr}\,U^j\,\overline{\mathrm{Tr}\,U^k}] = \delta_{jk} t_k`,
    so :math:`\mathrm{Var}\, n_\theta = \pi^{-2} \sum_{k \ge 1} t_k (1 - \cos k\theta)/k^2`
    (docs/theory.md, section 3.5). It is computed as the closed form
    :math:`N(\pi\theta/2 - \theta^2/4)` plus the correction
    :math:`\sum_k (t_k - N)(1 - \cos k\theta)/k^2`, which has finitely many terms for the CUE
    (k < N) and CSE (k < 2N). Time O(len(arc) K) for the K terms; memory the size of ``arc``
    plus a working block of about 64 MiB.

    References
    ----------
    * F. J. Dyson, M. L. Mehta, J. Math. Phys. 4, 701-712 (1963).
    * F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010).

    Examples
    --------
    >>> import numpy as np
    >>> from bristol.theory import circular_number_variance
    >>> circular_number_variance(20, 2 * np.pi * np.array([1, 5]) / 20).round(4)
    array([0.3437, 0.4983])
    >>> float(circular_number_variance(20, 2 * np.pi).round(12))  # the whole circle holds N levels
    0.0
    """
    n = _check_n(n)
    arcs = _check_arc(arc)
    beta = _check_beta(beta, (1, 2, 4), "the exact number variance")
    if k_max is not None and beta != 1:
        raise ValueError(f"k_max applies to the COE (beta = 1) only: the series of beta = {beta} is finite and exact")
    k_last = {2: n - 1, 4: 2 * n - 1, 1: COE_TERMS_PER_LEVEL * n if k_max is None else check_int("k_max", k_max)}[beta]
    flat = arcs.reshape(-1)
    corr = np.zeros(flat.size)
    a_step, k_step = block_steps(k_last, 1, 32)  # the (arcs, orders) cosines and products
    for k0 in range(1, k_last + 1, k_step):
        ks = np.arange(k0, min(k0 + k_step, k_last + 1), dtype=float)
        weights = (_form_factor_values(n, ks, beta) - n) / ks**2
        for i in range(0, flat.size, a_step):
            corr[i:i + a_step] += np.sum(weights * (1 - np.cos(np.multiply.outer(flat[i:i + a_step], ks))), axis=1)
    base = n * (np.pi * flat / 2 - flat**2 / 4)
    return ((base + corr) / np.pi**2).reshape(arcs.shape)


# --- nearest-neighbour spacings (unfolded to mean 1): Wigner surmises and Poisson -------------

#: s above which every Wigner surmise underflows to 0 in float64 (exp(-(pi/4) 40^2) = 0).
_SURMISE_ZERO = 40.0
_SURMISE = {
    1: (np.pi / 2, 1, np.pi / 4),
    2: (32 / np.pi**2, 2, 4 / np.pi),
    4: (2**18 / (3**6 * np.pi**3), 4, 64 / (9 * np.pi)),
}


def wigner_surmise(s: ArrayLike, beta: int) -> NDArray[np.float64]:
    r"""Wigner surmise for the nearest-neighbour spacing density (mean spacing 1).

    Parameters
    ----------
    s : float or array_like of float
        Spacings (unfolded to mean 1), any shape; the density is 0 for s < 0.
    beta : {0, 1, 2, 4}
        The Dyson index; 0 gives the Poisson law of uncorrelated levels.

    Returns
    -------
    ndarray of float64
        :math:`p_\beta(s)`, with the shape of ``s``.

    Raises
    ------
    TypeError
        If ``s`` is not real or ``beta`` is not a number.
    ValueError
        If ``s`` holds NaN or Inf, or ``beta`` is not 0, 1, 2 or 4.

    Notes
    -----
    :math:`p_\beta(s) = a_\beta s^\beta e^{-b_\beta s^2}` with
    :math:`p_1 = (\pi/2) s e^{-\pi s^2/4}`, :math:`p_2 = (32/\pi^2) s^2 e^{-4 s^2/\pi}`,
    :math:`p_4 = (2^{18}/(3^6 \pi^3)) s^4 e^{-64 s^2/(9\pi)}`; Poisson :math:`e^{-s}`. These
    are exact for 2 x 2 matrices and within about 1% of the large-N (Gaudin) laws
    (docs/theory.md, section 3.3).

    References
    ----------
    * M. L. Mehta, *Random Matrices*, 3rd ed., Elsevier (2004).
    * F. Haake, *Quantum Signatures of Chaos*, 3rd ed., Springer (2010).

    Examples
    --------
    >>> from bristol.theory import wigner_surmise
    >>> wigner_surmise([-1.0, 0.0, 1.0], 2).round(4)
    array([0.    , 0.    , 0.9076])
    >>> float(wigner_surmise(1.0, 0).round(4))  # Poisson: exp(-1)
    0.3679
    """
    s = _check_values("s", s)
    beta = _check_beta(beta, (0, 1, 2, 4), "the Wigner surmise (0: Poisson)")
    if beta == 0:
        return np.where(s >= 0, np.exp(-np.clip(s, 0, None)), 0.0)
    a, p, b = _SURMISE[beta]
    ss = np.clip(s, 0, _SURMISE_ZERO)  # beyond, the density underflows to 0 (and s^p to inf)
    return np.where(s >= 0, a * ss**p * np.exp(-b * ss**2), 0.0)


# --- adjacent gap ratio (Oganesyan-Huse; Atas, Bogomolny, Giraud, Roux 2013) -----------------

_RATIO_Z = {1: 8 / 27, 2: 4 * np.pi / (81 * np.sqrt(3)), 4: 4 * np.pi / (729 * np.sqrt(3))}
#: Surmise values of <r~> = <min(r, 1/r)> (exact integrals of the 3 x 3 surmise); 0: Poisson.
MEAN_GAP_RATIO_SURMISE = {
    0: 2 * np.log(2) - 1,
    1: 4 - 2 * np.sqrt(3),
    2: 2 * np.sqrt(3) / np.pi - 0.5,
    4: 32 * np.sqrt(3) / (15 * np.pi) - 0.5,
}
#: Large-N values of <r~> quoted by Atas et al. (2013); Poisson is exact.
MEAN_GAP_RATIO_LARGE_N = {0: 2 * np.log(2) - 1, 1: 0.5307, 2: 0.5996, 4: 0.6744}


def gap_ratio_surmise(r: ArrayLike, beta: int) -> NDArray[np.float64]:
    r"""Surmise density of the ratio of consecutive level spacings.

    Parameters
    ----------
    r : float or array_like of float
        Ratios :math:`r = s_j / s_{j-1}`, any shape; the density is 0 for r < 0.
    beta : {0, 1, 2, 4}
        The Dyson index; 0 gives the Poisson law of uncorrelated levels.

    Returns
    -------
    ndarray of float64
        :math:`P(r)` on :math:`[0, \infty)`, with the shape of ``r``.

    Raises
    ------
    TypeError
        If ``r`` is not real or ``beta`` is not a number.
    ValueError
        If ``r`` holds NaN or Inf, or ``beta`` is not 0, 1, 2 or 4.

    See Also
    --------
    bristol.spectral.gap_ratios : The ratios of sampled spectra.

    Notes
    -----
    :math:`P(r) = (r + r^2)^\beta / (Z_\beta (1 + r + r^2)^{1 + 3\beta/2})` from 3 x 3
    matrices; Poisson :math:`1/(1 + r)^2`. No unfolding is needed, since the local density
    cancels in the ratio. :math:`P(r) = P(1/r)/r^2`, evaluated at :math:`\min(r, 1/r)` so that
    no power overflows. The means of :math:`\tilde r = \min(r, 1/r)` are in
    ``MEAN_GAP_RATIO_SURMISE`` (this law) and ``MEAN_GAP_RATIO_LARGE_N`` (large N)
    (docs/theory.md, section 3.4).

    References
    ----------
    * Y. Y. Atas, E. Bogomolny, O. Giraud, G. Roux, Phys. Rev. Lett. 110, 084101 (2013).
    * V. Oganesyan, D. A. Huse, Phys. Rev. B 75, 155111 (2007).

    Examples
    --------
    >>> from bristol.theory import gap_ratio_surmise
    >>> float(gap_ratio_surmise(1.0, 0))  # Poisson: 1/(1 + r)^2
    0.25
    >>> p = gap_ratio_surmise([0.5, 2.0], 1)
    >>> bool(abs(p[1] - p[0] / 4) < 1e-12)  # P(1/r) = r^2 P(r)
    True
    """
    r = _check_values("r", r)
    beta = _check_beta(beta, (0, 1, 2, 4), "the gap-ratio surmise (0: Poisson)")
    if beta == 0:
        return np.where(r >= 0, (1.0 / (1.0 + np.clip(r, 0, None))) ** 2, 0.0)
    rr = np.clip(r, 0, None)
    # P(r) = P(1/r) / r^2: evaluated at q = min(r, 1/r) in [0, 1], so no power overflows
    q = np.where(rr > 1, 1 / np.maximum(rr, 1), rr)
    density = (q + q**2) ** beta / (_RATIO_Z[beta] * (1 + q + q**2) ** (1 + 1.5 * beta))
    return np.where(r >= 0, np.where(rr > 1, density * q**2, density), 0.0)


# --- one-point densities ------------------------------------------------------------------

def semicircle_density(x: ArrayLike, n: int, beta: float = 1) -> NDArray[np.float64]:
    r"""Limiting eigenvalue density (normalised to 1) of bristol's Gaussian ensembles.

    Parameters
    ----------
    x : float or array_like of float
        Points at which to evaluate the density, any shape.
    n : int
        The number N of levels (N distinct levels for the GSE), in [1, 2**53].
    beta : float, default 1
        The Dyson index, a finite real number > 0.

    Returns
    -------
    ndarray of float64
        :math:`\rho(x)`, with the shape of ``x``; 0 outside :math:`[-R, R]`.

    Raises
    ------
    TypeError
        If ``x`` is not real, ``n`` not an integer or ``beta`` not a real number.
    ValueError
        If ``x`` holds NaN or Inf, ``n`` or ``beta`` are out of range, or
        :math:`2 \beta N` overflows.

    See Also
    --------
    semicircle_radius : The edge R.

    Notes
    -----
    With :math:`H = (A + A^*)/2` and standard normal real components (docs/theory.md,
    section 4.1) the spectrum fills :math:`[-R, R]`, :math:`R = \sqrt{2 \beta N}`, with
    density :math:`\rho(x) = 2 \sqrt{R^2 - x^2} / (\pi R^2)` and :math:`E x^2 = R^2/4`
    (section 4.3).

    References
    ----------
    * I. Dumitriu, A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
      5830-5847 (2002).

    Examples
    --------
    >>> from bristol.theory import semicircle_density
    >>> semicircle_density([-5.0, 0.0, 5.0], n=8, beta=1).round(4)  # R = 4
    array([0.    , 0.1592, 0.    ])
    """
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    x = _check_values("x", x)
    r2 = _finite(2 * beta * n, n, beta)
    return 2 * np.sqrt(np.clip(r2 - x**2, 0, None)) / (np.pi * r2)


def circle_density(theta: ArrayLike) -> NDArray[np.float64]:
    r"""Eigenphase density of every rotation-invariant circular ensemble: :math:`1/(2\pi)`.

    Parameters
    ----------
    theta : float or array_like of float
        Phases, any shape.

    Returns
    -------
    ndarray of float64
        :math:`1/(2\pi)` with the shape of ``theta``.

    Raises
    ------
    TypeError
        If ``theta`` is not real.
    ValueError
        If ``theta`` holds NaN or Inf.

    Notes
    -----
    Haar measure is invariant under :math:`U \to e^{i\phi} U`, so the one-point density is
    uniform on the circle at every N (docs/theory.md, section 1.4).

    References
    ----------
    * F. Mezzadri, "How to generate random matrices from the classical compact groups",
      Notices Amer. Math. Soc. 54(5), 592-604 (2007).

    Examples
    --------
    >>> from bristol.theory import circle_density
    >>> circle_density([0.0, 1.0]).round(5)
    array([0.15915, 0.15915])
    """
    return np.full(_check_values("theta", theta).shape, 1.0 / _TWO_PI)


# --- Gaussian beta-ensembles (normalisation of bristol.ensembles, docs/theory.md sections 4.1-4.2) ----

def _check_power(power: object, allowed: tuple[int, ...]) -> int:
    """The power of a trace moment: an integer from ``allowed`` (TypeError for a non-integer)."""
    choices = " or ".join(map(str, allowed))
    if not isinstance(power, numbers.Integral) or isinstance(power, (bool, np.bool_)):
        raise TypeError(f"power must be {choices}, got {power!r}")
    if power not in allowed:
        raise ValueError(f"power must be {choices}, got {power!r}")
    return int(power)


def gaussian_trace_moment(n: int, beta: float, power: int) -> float:
    r"""Exact :math:`E \sum_j \lambda_j^p` (p = 2 or 4) of the Gaussian beta-ensemble with N levels.

    Parameters
    ----------
    n : int
        The number N of levels, in [1, 2**53].
    beta : float
        The Dyson index, a finite real number > 0.
    power : {2, 4}
        The power p.

    Returns
    -------
    float
        The expected trace moment.

    Raises
    ------
    TypeError
        If ``n`` or ``power`` is not an integer, or ``beta`` not a real number.
    ValueError
        If ``power`` is not 2 or 4, ``n`` or ``beta`` are out of range, or the value
        overflows float64.

    Notes
    -----
    In bristol's normalisation (docs/theory.md, sections 4.1-4.2):
    :math:`E \sum \lambda^2 = N + \beta N (N - 1)/2` and
    :math:`E \sum \lambda^4 = (\beta^2/2) N^3 - (5\beta(\beta - 2)/4) N^2 + ((3\beta^2 - 10\beta + 12)/4) N`,
    from the Dumitriu-Edelman tridiagonal model, valid for every :math:`\beta > 0`.

    References
    ----------
    * I. Dumitriu, A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
      5830-5847 (2002).

    Examples
    --------
    >>> from bristol.theory import gaussian_trace_moment
    >>> gaussian_trace_moment(3, 2, 2)
    9.0
    >>> gaussian_trace_moment(3, 1, 4)
    28.5
    """
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    power = _check_power(power, (2, 4))
    b, m = np.float64(beta), np.float64(n)
    with np.errstate(over="ignore", invalid="ignore"):
        if power == 2:
            return _finite(m + b * m * (m - 1) / 2, n, beta)
        return _finite(b**2 / 2 * m**3 - 5 * b * (b - 2) / 4 * m**2 + (3 * b**2 - 10 * b + 12) / 4 * m, n, beta)


def semicircle_radius(n: int, beta: float) -> float:
    r"""Edge :math:`R = \sqrt{2 \beta N}` of the Gaussian beta-ensemble's spectrum (large N).

    Parameters
    ----------
    n : int
        The number N of levels, in [1, 2**53].
    beta : float
        The Dyson index, a finite real number > 0.

    Returns
    -------
    float
        The radius R of the semicircle.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``beta`` not a real number.
    ValueError
        If ``n`` or ``beta`` are out of range.

    Notes
    -----
    docs/theory.md, section 4.3.

    References
    ----------
    * I. Dumitriu, A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
      5830-5847 (2002).

    Examples
    --------
    >>> from bristol.theory import semicircle_radius
    >>> semicircle_radius(8, 1)
    4.0
    """
    beta, n = check_positive_real("beta", beta), _check_n(n)
    return float(np.sqrt(_finite(2 * beta * n, n, beta)))


# --- Laguerre and Jacobi beta-ensembles (normalisation of bristol.ensembles, docs/theory.md section 7) ----

def laguerre_trace_moment(n: int, m: float, beta: float, power: int) -> float:
    r"""Exact :math:`E \sum_j \lambda_j^p` (p = 1 or 2) of the Laguerre beta-ensemble (Wishart matrices).

    Parameters
    ----------
    n : int
        The number n of eigenvalues, in [1, 2**53].
    m : float
        The degrees of freedom, a finite real number > n - 1.
    beta : float
        The Dyson index, a finite real number > 0.
    power : {1, 2}
        The power p.

    Returns
    -------
    float
        The expected trace moment.

    Raises
    ------
    TypeError
        If ``n`` or ``power`` is not an integer, or ``m`` or ``beta`` not a real number.
    ValueError
        If ``power`` is not 1 or 2, ``n``, ``m`` or ``beta`` are out of range, or the value
        overflows float64.

    See Also
    --------
    bristol.ensembles.laguerre_eigvals : The sampler this describes.

    Notes
    -----
    For the density :math:`\propto |\Delta|^\beta \prod \lambda^{\beta(m - n + 1)/2 - 1} e^{-\lambda/2}`
    of :func:`bristol.ensembles.laguerre_eigvals` and :func:`bristol.ensembles.wishart`:
    :math:`E \sum \lambda = \beta n m` and
    :math:`E \sum \lambda^2 = n m (\beta^2 (n + m) + \beta (2 - \beta))`, for every
    :math:`\beta > 0` and real :math:`m > n - 1` (docs/theory.md, section 7.1).

    References
    ----------
    * I. Dumitriu, A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
      5830-5847 (2002).

    Examples
    --------
    >>> from bristol.theory import laguerre_trace_moment
    >>> laguerre_trace_moment(3, 5, 1, 1), laguerre_trace_moment(3, 5, 1, 2)  # tr W^2 = n m (n + m + 1)
    (15.0, 135.0)
    """
    n = _check_n(n)
    m = check_degrees_of_freedom("m", m, n)
    beta = check_positive_real("beta", beta)
    power = _check_power(power, (1, 2))
    with np.errstate(over="ignore", invalid="ignore"):
        if power == 1:
            return _finite(np.float64(beta) * n * m, n, beta)
        return _finite(np.float64(n) * m * (beta**2 * (np.float64(n) + m) + beta * (2 - beta)), n, beta)


def jacobi_trace_moment(n: int, m1: float, m2: float, beta: float, power: int) -> float:
    r"""Exact :math:`E \sum_j \lambda_j^p` (p = 1 or 2) of the Jacobi beta-ensemble (MANOVA).

    Parameters
    ----------
    n : int
        The number n of eigenvalues, in [1, 2**53].
    m1, m2 : float
        The degrees of freedom of A and B, finite real numbers > n - 1.
    beta : float
        The Dyson index, a finite real number > 0.
    power : {1, 2}
        The power p.

    Returns
    -------
    float
        The expected trace moment.

    Raises
    ------
    TypeError
        If ``n`` or ``power`` is not an integer, or ``m1``, ``m2`` or ``beta`` not real numbers.
    ValueError
        If ``power`` is not 1 or 2, or ``n``, ``m1``, ``m2`` or ``beta`` are out of range.

    See Also
    --------
    bristol.ensembles.jacobi_eigvals : The sampler this describes.

    Notes
    -----
    For the density
    :math:`\propto |\Delta|^\beta \prod \lambda^{\beta(m_1 - n + 1)/2 - 1} (1 - \lambda)^{\beta(m_2 - n + 1)/2 - 1}`
    of :func:`bristol.ensembles.jacobi_eigvals` and :func:`bristol.ensembles.manova`, with
    :math:`a = \beta m_1/2`, :math:`b = \beta m_2/2` and :math:`s = a + b`:

    .. math::

        E \sum \lambda = \frac{n m_1}{m_1 + m_2}, \qquad
        E \sum \lambda^2 = \frac{n a}{s} \left( \frac{a + 1}{s + 1}
        + \frac{\beta (n - 1)}{2} \frac{b}{(s + 1)(s - \beta/2)} \right),

    from Kadell's Selberg integrals of Jack polynomials, :math:`\sum \lambda^2` being
    :math:`P_{(2)} - \tfrac{2\beta}{\beta + 2} P_{(1,1)}` (docs/theory.md, section 7.5); a sum
    of positive terms, so it keeps full relative precision. At n = 1 they are the moments of
    :math:`\mathrm{Beta}(\beta m_1/2, \beta m_2/2)`.

    References
    ----------
    * K. Aomoto, SIAM J. Math. Anal. 18, 545-549 (1987).
    * K. W. J. Kadell, "The Selberg-Jack symmetric functions", Adv. Math. 130, 33-102 (1997).
    * I. G. Macdonald, *Symmetric Functions and Hall Polynomials*, 2nd ed., Oxford (1995), VI.10.

    Examples
    --------
    >>> from bristol.theory import jacobi_trace_moment
    >>> jacobi_trace_moment(4, 6, 5, 1, 1), round(jacobi_trace_moment(4, 6, 5, 1, 2), 12)
    (2.1818181818181817, 1.594405594406)
    """
    n = _check_n(n)
    m1, m2 = check_degrees_of_freedom("m1", m1, n), check_degrees_of_freedom("m2", m2, n)
    beta = check_positive_real("beta", beta)
    if _check_power(power, (1, 2)) == 1:
        return n * m1 / (m1 + m2)
    a, b = beta * m1 / 2, beta * m2 / 2
    s = a + b
    return float(n * a / s * ((a + 1) / (s + 1) + beta * (n - 1) / 2 * b / ((s + 1) * (s - beta / 2))))


# --- Tracy-Widom laws, Marchenko-Pastur and Wachter densities (docs/theory.md section 9) ----------

def tracy_widom(beta: int) -> TracyWidomDistribution:
    r"""The Tracy-Widom law :math:`F_\beta` (beta = 1, 2, 4) as a ``scipy.stats`` distribution.

    Parameters
    ----------
    beta : {1, 2, 4}
        The Dyson index.

    Returns
    -------
    scipy.stats.rv_continuous
        A distribution without shape parameters, used like a frozen one: ``cdf``, ``pdf``,
        ``sf``, ``ppf``, ``mean()``, ``var()``, ``std()``, ``stats(moments="mvsk")``, and
        ``rvs(size, random_state)``, where ``random_state`` is None, an int, a
        :class:`numpy.random.SeedSequence` (a fixed seed) or a Generator.

    Raises
    ------
    TypeError
        If ``beta`` is not a real number.
    ValueError
        If ``beta`` is not 1, 2 or 4.

    Notes
    -----
    Computed by Bornemann's method (docs/theory.md, section 9): Gauss-Legendre quadrature of
    the Fredholm determinants :math:`F_2(s) = \det(I - K_{\mathrm{Ai}})` and
    :math:`E_\pm(s) = \det(I \mp K_1)` on :math:`L^2(s, \infty)`, with
    :math:`F_1 = E_+` and :math:`F_4(s) = (E_+(\sqrt 2 s) + E_-(\sqrt 2 s))/2`; near machine
    precision. The pdf is the derivative of the determinant (Jacobi's formula), ``ppf``
    Newton's method on the logarithm of the cdf (or of the survival function above the
    median) safeguarded by bisection, ``rvs`` the inverse transform of uniform draws (about
    6 to 10 determinants per draw), the moments Gauss-Legendre quadrature of the pdf.
    The cdf and pdf are accurate to about 1e-15 in absolute terms, so in the far left tail
    (cdf below about 1e-14) their relative accuracy, and the quantiles of such levels, degrade.

    :math:`F_4` follows Bornemann's scaling :math:`F_4(s) = F_4^{\mathrm{TW}}(\sqrt 2 s)`:
    mean -2.306884893241, variance 0.5177237207726 (Tracy & Widom's original
    :math:`F_4^{\mathrm{TW}}` has mean -3.262427901 and variance 1.035447442). Values below
    s = -25 are returned as 0 (every :math:`F_\beta(-25) < 10^{-120}`), above s = 40 as 1.

    References
    ----------
    * C. A. Tracy, H. Widom, "Level-spacing distributions and the Airy kernel",
      Commun. Math. Phys. 159, 151-174 (1994).
    * C. A. Tracy, H. Widom, "On orthogonal and symplectic matrix ensembles",
      Commun. Math. Phys. 177, 727-754 (1996).
    * F. Bornemann, "On the numerical evaluation of Fredholm determinants",
      Math. Comp. 79, 871-915 (2010).

    Examples
    --------
    >>> from bristol.theory import tracy_widom
    >>> tw2 = tracy_widom(2)
    >>> round(float(tw2.cdf(-2.0)), 10)
    0.4132241425
    >>> round(float(tw2.ppf(float(tw2.cdf(-2.0)))), 10)
    -2.0
    """
    return TracyWidomDistribution(_check_beta(beta, (1, 2, 4), "the Tracy-Widom law"))


class EdgeScaling(NamedTuple):
    r"""Centre and scale of the largest eigenvalue: :math:`(\lambda_{\max} - \mathrm{center}) / \mathrm{scale}`
    tends in law to the Tracy-Widom variable (see :func:`gaussian_edge_scaling`)."""

    #: The centre (the soft edge of the spectrum at finite n).
    center: float
    #: The width of the edge fluctuations, of order n^(-1/6) (Gaussian) or n^(1/3) (Laguerre).
    scale: float


def _edge_size(name: str, value: float, beta: float) -> float:
    """``value + 1/2 - 1/beta``, refused unless > 0 (the edge regime needs n beta large)."""
    shifted = value + 0.5 - 1.0 / beta
    if not shifted > 0:
        raise ValueError(f"{name} + 1/2 - 1/beta must be > 0 for the edge scaling (it needs {name} beta large), "
                         f"got {name} = {value:g} and beta = {beta:g}")
    return shifted


def _tracy_widom_factor(beta: float) -> float:
    """Ratio of the stochastic-Airy law TW_beta to ``tracy_widom(beta)``: 1, except 2^(-1/6) at beta = 4,
    where ``tracy_widom(4)`` follows Bornemann's scaling (docs/theory.md, section 9.1)."""
    return 2.0 ** (-1.0 / 6.0) if beta == 4 else 1.0


def gaussian_edge_scaling(n: int, beta: float) -> EdgeScaling:
    r"""Centre and scale that map the largest eigenvalue of bristol's Gaussian ensembles to Tracy-Widom.

    Parameters
    ----------
    n : int
        The number N of levels (N distinct levels for the GSE), in [1, 2**53], with
        :math:`N + 1/2 - 1/\beta > 0`.
    beta : float
        The Dyson index, a finite real number > 0.

    Returns
    -------
    EdgeScaling
        ``(center, scale)``: :math:`(\lambda_{\max} - \mathrm{center}) / \mathrm{scale}` tends in
        law, as :math:`N \to \infty`, to ``tracy_widom(beta)`` for beta = 1, 2, 4 and to the
        stochastic-Airy law :math:`\mathrm{TW}_\beta` of Ramirez, Rider and Virag for every other
        beta.

    Raises
    ------
    TypeError
        If ``n`` is not an integer or ``beta`` not a real number.
    ValueError
        If ``n`` or ``beta`` are out of range, :math:`N + 1/2 - 1/\beta \le 0`, or the values
        overflow float64.

    See Also
    --------
    tracy_widom : The limit laws for beta = 1, 2, 4.
    laguerre_edge_scaling : The same for the Laguerre (Wishart) ensembles.
    semicircle_radius : The edge :math:`R = \sqrt{2 \beta N}` to leading order.

    Notes
    -----
    The density :math:`\propto |\Delta(\lambda)|^\beta e^{-\sum \lambda^2/2}` of
    :func:`bristol.ensembles.gaussian_eigvals` is that of Ramirez, Rider and Virag,
    :math:`\propto |\Delta(\mu)|^\beta e^{-\beta \sum \mu^2/4}`, with
    :math:`\lambda = \sqrt{\beta/2}\,\mu`; their theorem,
    :math:`N^{1/6}(\mu_{\max} - 2\sqrt N) \to \mathrm{TW}_\beta` for every :math:`\beta > 0`, gives

    .. math::

        \mathrm{center} = \sqrt{2 \beta N'}, \qquad
        \mathrm{scale} = \sqrt{\beta/2}\, N'^{-1/6} c_\beta, \qquad N' = N + \tfrac12 - \tfrac1\beta,

    with :math:`c_\beta = 1` except :math:`c_4 = 2^{-1/6}`: :math:`\mathrm{TW}_1`,
    :math:`\mathrm{TW}_2` are :math:`F_1`, :math:`F_2`, but ``tracy_widom(4)`` is Bornemann's
    :math:`F_4`, the law of :math:`2^{1/6}\,\mathrm{TW}_4`. The shift :math:`N \to N'` changes
    nothing in the limit; it removes the :math:`O(N^{-1/3})` bias of the mean that the plain
    :math:`N` leaves for :math:`\beta \ne 2`, so that the remaining error is :math:`O(N^{-2/3})`
    (measured for beta = 1, 2, 4 and N = 10 to 1000; docs/theory.md, section 9.1).

    References
    ----------
    * C. A. Tracy, H. Widom, Commun. Math. Phys. 159, 151-174 (1994); 177, 727-754 (1996).
    * J. A. Ramirez, B. Rider, B. Virag, "Beta ensembles, stochastic Airy spectrum, and a
      diffusion", J. Amer. Math. Soc. 24, 919-944 (2011).
    * I. Dumitriu, A. Edelman, "Matrix models for beta ensembles", J. Math. Phys. 43,
      5830-5847 (2002).
    * F. Bornemann, Math. Comp. 79, 871-915 (2010).

    Examples
    --------
    >>> from bristol.theory import gaussian_edge_scaling
    >>> center, scale = gaussian_edge_scaling(1000, 2)
    >>> round(center, 6), round(scale, 6)
    (63.245553, 0.316228)
    """
    n = _check_n(n)
    beta = check_positive_real("beta", beta)
    size = _edge_size("n", n, beta)
    center = _finite(np.sqrt(2 * beta * size), n, beta)
    return EdgeScaling(center, float(np.sqrt(beta / 2) * size ** (-1 / 6) * _tracy_widom_factor(beta)))


def laguerre_edge_scaling(n: int, m: float, beta: float) -> EdgeScaling:
    r"""Centre and scale that map the largest eigenvalue of bristol's Laguerre ensembles to Tracy-Widom.

    Parameters
    ----------
    n : int
        The number n of eigenvalues (rows of G in :func:`bristol.ensembles.wishart`), in
        [1, 2**53], with :math:`n + 1/2 - 1/\beta > 0`.
    m : float
        The degrees of freedom (columns of G), a finite real number > n - 1 with
        :math:`m + 1/2 - 1/\beta > 0`.
    beta : float
        The Dyson index, a finite real number > 0.

    Returns
    -------
    EdgeScaling
        ``(center, scale)``, as in :func:`gaussian_edge_scaling`, for :math:`n, m \to \infty`
        with :math:`n/m` bounded.

    Raises
    ------
    TypeError
        If ``n`` is not an integer, or ``m`` or ``beta`` not real numbers.
    ValueError
        If ``n``, ``m`` or ``beta`` are out of range, a shifted size is not > 0, or the values
        overflow float64.

    See Also
    --------
    gaussian_edge_scaling : The same for the Gaussian ensembles (and the conventions).
    marchenko_pastur_density : The limiting density, whose upper edge is the centre's limit.

    Notes
    -----
    The density :math:`\propto |\Delta|^\beta \prod \lambda^{\beta(m - n + 1)/2 - 1} e^{-\sum\lambda/2}`
    of :func:`bristol.ensembles.laguerre_eigvals` is that of Ramirez, Rider and Virag (weight
    :math:`e^{-\beta\mu/2}`) with :math:`\lambda = \beta \mu`. Johnstone's centring and scaling
    (for beta = 1, with :math:`m - 1` and n), extended to every beta, read

    .. math::

        \mathrm{center} = \beta (\sqrt{m'} + \sqrt{n'})^2, \qquad
        \mathrm{scale} = \beta (\sqrt{m'} + \sqrt{n'})
        \left(\frac{1}{\sqrt{m'}} + \frac{1}{\sqrt{n'}}\right)^{1/3} c_\beta,

    with :math:`n' = n + 1/2 - 1/\beta`, :math:`m' = m + 1/2 - 1/\beta` (the shift of
    :func:`gaussian_edge_scaling`, which leaves an :math:`O(n^{-2/3})` error) and
    :math:`c_\beta = 1` except :math:`c_4 = 2^{-1/6}` (Bornemann's :math:`F_4`). The centre
    tends to the upper Marchenko-Pastur edge :math:`\beta m (1 + \sqrt{n/m})^2`
    (docs/theory.md, section 9.1).

    References
    ----------
    * I. M. Johnstone, "On the distribution of the largest eigenvalue in principal components
      analysis", Ann. Statist. 29, 295-327 (2001).
    * N. El Karoui, "A rate of convergence result for the largest eigenvalue of complex white
      Wishart matrices", Ann. Probab. 34, 2077-2117 (2006).
    * J. A. Ramirez, B. Rider, B. Virag, J. Amer. Math. Soc. 24, 919-944 (2011).
    * I. Dumitriu, A. Edelman, J. Math. Phys. 43, 5830-5847 (2002).

    Examples
    --------
    >>> from bristol.theory import laguerre_edge_scaling
    >>> center, scale = laguerre_edge_scaling(200, 400, 2)
    >>> round(center, 4), round(scale, 4)
    (2331.3708, 33.7471)
    """
    n = _check_n(n)
    m = check_degrees_of_freedom("m", m, n)
    beta = check_positive_real("beta", beta)
    root_n, root_m = np.sqrt(_edge_size("n", n, beta)), np.sqrt(_edge_size("m", m, beta))
    with np.errstate(over="ignore"):
        center = _finite(beta * (root_m + root_n) ** 2, n, beta)
        scale = _finite(beta * (root_m + root_n) * (1 / root_m + 1 / root_n) ** (1 / 3), n, beta)
    return EdgeScaling(center, scale * _tracy_widom_factor(beta))


def _interval_density(x: NDArray[np.float64], lower: float, upper: float, scale: NDArray[np.float64]
                      ) -> NDArray[np.float64]:
    r""":math:`\sqrt{(x - a)(b - x)} / \mathrm{scale}(x)` on [a, b], 0 outside."""
    inside = (x > lower) & (x < upper)
    root = np.sqrt(np.clip((x - lower) * (upper - x), 0, None))
    return np.where(inside, root / np.where(inside, scale, 1.0), 0.0)


def _check_columns(name: str, m: float, n: int) -> float:
    """A number of columns ``m``: a finite real number >= n."""
    m = check_positive_real(name, m)
    if m < n:
        raise ValueError(f"{name} must be at least n = {n}, got {m!r}")
    return m


def marchenko_pastur_density(x: ArrayLike, n: int, m: float, beta: float = 1) -> NDArray[np.float64]:
    r"""Limiting eigenvalue density (normalised to 1) of bristol's Wishart matrices :math:`W = G G^*`.

    Parameters
    ----------
    x : float or array_like of float
        Points at which to evaluate the density, any shape.
    n : int
        The number n of rows of G (levels of W), in [1, 2**53].
    m : float
        The number m of columns of G, a finite real number >= n.
    beta : float, default 1
        The Dyson index, a finite real number > 0.

    Returns
    -------
    ndarray of float64
        :math:`\rho(x)` with the shape of ``x``; 0 outside :math:`[a, b]`.

    Raises
    ------
    TypeError
        If ``x`` is not real, ``n`` not an integer, or ``m`` or ``beta`` not real numbers.
    ValueError
        If ``x`` holds NaN or Inf, or ``n``, ``m`` or ``beta`` are out of range.

    Notes
    -----
    G is n x m with every real component standard normal (real, complex or quaternion for
    beta = 1, 2, 4), so :math:`E \sum \lambda = \beta n m`. With :math:`c = n/m \le 1` and
    :math:`\sigma = \beta m`, the spectrum fills
    :math:`[a, b] = [\sigma (1 - \sqrt c)^2, \sigma (1 + \sqrt c)^2]` with density
    :math:`\rho(x) = \sqrt{(x - a)(b - x)} / (2 \pi c \sigma x)`, mean :math:`\sigma` and
    second moment :math:`\sigma^2 (1 + c)` (docs/theory.md, section 9).

    References
    ----------
    * V. A. Marchenko, L. A. Pastur, "Distribution of eigenvalues for some sets of random
      matrices", Math. USSR Sb. 1, 457-483 (1967).

    Examples
    --------
    >>> from bristol.theory import marchenko_pastur_density
    >>> marchenko_pastur_density([0.5, 4.0, 20.0], n=4, m=16, beta=1).round(4)  # [a, b] = [4, 36]
    array([0.    , 0.    , 0.0318])
    """
    n = _check_n(n)
    m = _check_columns("m", m, n)
    beta = check_positive_real("beta", beta)
    x = _check_values("x", x)
    c, sigma = n / m, beta * m
    lower, upper = sigma * (1 - np.sqrt(c)) ** 2, sigma * (1 + np.sqrt(c)) ** 2
    return _interval_density(x, lower, upper, 2 * np.pi * c * sigma * x)


def wachter_density(x: ArrayLike, n: int, m1: float, m2: float) -> NDArray[np.float64]:
    r"""Limiting eigenvalue density (normalised to 1) of :math:`A (A + B)^{-1}` (Jacobi / MANOVA).

    Parameters
    ----------
    x : float or array_like of float
        Points at which to evaluate the density, any shape.
    n : int
        The size n of A and B, in [1, 2**53].
    m1, m2 : float
        The degrees of freedom of the independent Wishart matrices A (n x m1 factor) and
        B (n x m2 factor), finite real numbers >= n.

    Returns
    -------
    ndarray of float64
        :math:`\rho(x)` with the shape of ``x``; 0 outside :math:`[\lambda_-, \lambda_+]`.

    Raises
    ------
    TypeError
        If ``x`` is not real, ``n`` not an integer, or ``m1`` or ``m2`` not real numbers.
    ValueError
        If ``x`` holds NaN or Inf, or ``n``, ``m1`` or ``m2`` are out of range.

    Notes
    -----
    The limit does not depend on beta. With :math:`p = m_1/n` and :math:`q = m_2/n`, the
    spectrum fills :math:`[\lambda_-, \lambda_+]`,
    :math:`\lambda_\pm = (\sqrt{p (p + q - 1)} \pm \sqrt q)^2 / (p + q)^2`, with density
    :math:`\rho(x) = (p + q) \sqrt{(x - \lambda_-)(\lambda_+ - x)} / (2 \pi x (1 - x))` and
    mean :math:`m_1 / (m_1 + m_2)` (docs/theory.md, section 9).

    References
    ----------
    * K. W. Wachter, "The limiting empirical measure of multiple discriminant ratios",
      Ann. Statist. 8, 937-957 (1980).

    Examples
    --------
    >>> from bristol.theory import wachter_density
    >>> wachter_density([0.0, 0.5, 1.0], n=10, m1=20, m2=20).round(4)
    array([0.    , 1.1027, 0.    ])
    """
    n = _check_n(n)
    m1, m2 = _check_columns("m1", m1, n), _check_columns("m2", m2, n)
    x = _check_values("x", x)
    p, q = m1 / n, m2 / n
    centre, half = np.sqrt(p * (p + q - 1)), np.sqrt(q)
    lower, upper = (centre - half) ** 2 / (p + q) ** 2, (centre + half) ** 2 / (p + q) ** 2
    return _interval_density(x, lower, upper, 2 * np.pi * x * (1 - x) / (p + q))
